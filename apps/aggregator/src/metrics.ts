// Prometheus metrics of the aggregator: where events go, checkpoints, lag, latency, dedup.
import client from "prom-client";

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: "aggregator_" });

export const events = new client.Counter({
  name: "aggregator_events_total",
  help: "Events read from ad-clicks, by decision (counted, late, duplicate, rejected, replayed, skipped)",
  labelNames: ["decision"] as const,
  registers: [registry],
});
export const deadLetters = new client.Counter({
  name: "aggregator_dead_letters_total",
  help: "Rejected events sent to the dead-letter topic, by reason",
  labelNames: ["reason"] as const,
  registers: [registry],
});
export const checkpointSeconds = new client.Histogram({
  name: "aggregator_checkpoint_duration_seconds",
  help: "Duration of the Postgres checkpoint transaction",
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
export const checkpointFailures = new client.Counter({
  name: "aggregator_checkpoint_failures_total",
  help: "Checkpoint attempts that failed (retried), by kind",
  labelNames: ["kind"] as const,
  registers: [registry],
});
export const consumerLag = new client.Gauge({
  name: "aggregator_consumer_lag",
  help: "Messages behind the partition's high watermark",
  labelNames: ["partition"] as const,
  registers: [registry],
});
export const watermarkSeconds = new client.Gauge({
  name: "aggregator_watermark_seconds",
  help: "Combined event-time watermark (epoch seconds)",
  registers: [registry],
});
export const eventToCountedSeconds = new client.Histogram({
  name: "aggregator_event_to_counted_seconds",
  help: "Event time to durable count (checkpoint commit), for the newest event of each checkpoint",
  buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
  registers: [registry],
});
export const dedupIds = new client.Gauge({
  name: "aggregator_dedup_ids",
  help: "Event ids held for dedup",
  registers: [registry],
});
export const redisApplies = new client.Counter({
  name: "aggregator_redis_applies_total",
  help: "Checkpoint deltas applied to Redis, by result",
  labelNames: ["result"] as const,
  registers: [registry],
});
export const minutesPublished = new client.Counter({
  name: "aggregator_minutes_published_total",
  help: "Final minutes published to ad-click-counts (republications after late events included)",
  registers: [registry],
});
