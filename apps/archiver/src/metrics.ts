// The archiver's Prometheus metrics (docs/metrics.md): rows written and skipped per consumer, batch time, stored
// offsets and lag per partition, partitions and dead letters removed by retention.
import { collectProcessMetrics } from "@adclicks/metrics";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export type ArchiverMetrics = ReturnType<typeof createArchiverMetrics>;

export function createArchiverMetrics(registry = new Registry()) {
  collectProcessMetrics(registry);
  return {
    registry,
    rows: new Counter({
      name: "archiver_rows_written_total",
      help: "Rows written to Postgres",
      labelNames: ["consumer"] as const,
      registers: [registry],
    }),
    skipped: new Counter({
      name: "archiver_messages_skipped_total",
      help: "Messages not written, by reason (duplicate, invalid, expired)",
      labelNames: ["consumer", "reason"] as const,
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: "archiver_batch_duration_seconds",
      help: "Time to write one batch and its checkpoint",
      labelNames: ["consumer"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    offset: new Gauge({
      name: "archiver_checkpoint_offset",
      help: "Next offset stored in consumer_checkpoints",
      labelNames: ["consumer", "partition"] as const,
      registers: [registry],
    }),
    lag: new Gauge({
      name: "archiver_consumer_lag_records",
      help: "Messages between the stored checkpoint and the partition's end",
      labelNames: ["consumer", "partition"] as const,
      registers: [registry],
    }),
    dropped: new Counter({
      name: "archiver_partitions_dropped_total",
      help: "raw_clicks partitions dropped by retention",
      registers: [registry],
    }),
    deadLettersDeleted: new Counter({
      name: "archiver_dead_letters_deleted_total",
      help: "dead_letters rows deleted by retention",
      registers: [registry],
    }),
  };
}
