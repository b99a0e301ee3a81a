// The aggregator's Prometheus metrics (docs/metrics.md): where events go, checkpoints, lag,
// watermark, latency, dedup, the Redis applies and the published minutes. A factory: each worker
// (and each test) has its own.
import { collectProcessMetrics } from "@adclicks/metrics";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

// End-to-end latencies: a checkpoint every few seconds, minutes final after the allowed lateness.
const LATENCY_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

export type AggregatorMetrics = ReturnType<typeof createAggregatorMetrics>;

export function createAggregatorMetrics(
  registry = new Registry(),
  opts: { defaults?: boolean; now?: () => number } = {},
) {
  if (opts.defaults ?? true) collectProcessMetrics(registry);
  const now = opts.now ?? Date.now;
  // The delay is read at scrape time: it grows while no checkpoint moves the watermark.
  let watermarkMs: number | undefined;
  const watermark = new Gauge({
    name: "aggregator_watermark_timestamp_seconds",
    help: "Combined event-time watermark of the owned partitions (epoch seconds)",
    registers: [registry],
  });
  new Gauge({
    name: "aggregator_watermark_delay_seconds",
    help: "Clock minus the combined event-time watermark",
    registers: [registry],
    collect() {
      if (watermarkMs !== undefined) this.set(Math.max(0, now() - watermarkMs) / 1000);
    },
  });
  return {
    registry,
    consumed: new Counter({
      name: "aggregator_events_consumed_total",
      help: "Records read from ad-clicks (consumed), before any decision",
      registers: [registry],
    }),
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
    checkpoints: new Counter({
      name: "aggregator_checkpoints_total",
      help: "Checkpoint transactions committed",
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: "aggregator_fetch_lag_records",
      help: "Records behind the partition's high watermark at the last fetched batch (the pipeline-wide lag is adclicks_consumer_lag_records)",
      labelNames: ["partition"] as const,
      registers: [registry],
    }),
    partitionsOwned: new Gauge({
      name: "aggregator_partitions_owned",
      help: "Partitions of ad-clicks this worker owns",
      registers: [registry],
    }),
    watermark: {
      set(ms: number) {
        watermarkMs = ms;
        watermark.set(ms / 1000);
      },
    },
    eventToCountedSeconds: new Histogram({
      name: "aggregator_event_to_counted_seconds",
      help: "Event time to durable count (checkpoint commit), for the newest event of each checkpoint",
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    ingestToVisibleSeconds: new Histogram({
      name: "aggregator_ingest_to_visible_seconds",
      help: "Kafka timestamp (accepted by the collector or shipper) to counts applied to Redis (visible to queries), for the newest record of each applied checkpoint",
      buckets: LATENCY_BUCKETS,
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
      name: "aggregator_windows_published_total",
      help: "Final minutes published to ad-click-counts (republications after late events included)",
      registers: [registry],
    }),
  };
}
