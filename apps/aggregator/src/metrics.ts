// The aggregator's Prometheus metrics: where events go, checkpoints, lag, latency, dedup, the
// Redis applies and the published minutes. A factory: each worker (and each test) has its own.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export type AggregatorMetrics = ReturnType<typeof createAggregatorMetrics>;

export function createAggregatorMetrics(registry = new Registry(), opts: { defaults?: boolean } = {}) {
  if (opts.defaults ?? true) collectDefaultMetrics({ register: registry, prefix: "aggregator_" });
  return {
    registry,
    events: new Counter({
      name: "aggregator_events_total",
      help: "Events read from ad-clicks, by decision (counted, late, duplicate, rejected, replayed, skipped)",
      labelNames: ["decision"] as const,
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: "aggregator_dead_letters_total",
      help: "Rejected events sent to the dead-letter topic, by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    checkpointSeconds: new Histogram({
      name: "aggregator_checkpoint_duration_seconds",
      help: "Duration of the Postgres checkpoint transaction",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    checkpointFailures: new Counter({
      name: "aggregator_checkpoint_failures_total",
      help: "Checkpoint attempts that failed (retried), by kind",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: "aggregator_consumer_lag",
      help: "Messages behind the partition's high watermark",
      labelNames: ["partition"] as const,
      registers: [registry],
    }),
    watermarkSeconds: new Gauge({
      name: "aggregator_watermark_seconds",
      help: "Combined event-time watermark (epoch seconds)",
      registers: [registry],
    }),
    eventToCountedSeconds: new Histogram({
      name: "aggregator_event_to_counted_seconds",
      help: "Event time to durable count (checkpoint commit), for the newest event of each checkpoint",
      buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    dedupIds: new Gauge({
      name: "aggregator_dedup_ids",
      help: "Event ids held for dedup",
      registers: [registry],
    }),
    redisApplies: new Counter({
      name: "aggregator_redis_applies_total",
      help: "Checkpoint deltas applied to Redis, by result",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    minutesPublished: new Counter({
      name: "aggregator_minutes_published_total",
      help: "Final minutes published to ad-click-counts (republications after late events included)",
      registers: [registry],
    }),
  };
}
