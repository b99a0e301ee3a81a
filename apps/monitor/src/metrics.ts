// The monitor's Prometheus metrics (docs/metrics.md, job `monitor`): pipeline-wide figures that
// must exist and be right while a worker is down, so no worker serves them.
import { collectProcessMetrics } from "@adclicks/metrics";
import { Gauge, Registry } from "prom-client";

export type MonitorMetrics = ReturnType<typeof createMonitorMetrics>;

export function createMonitorMetrics(registry = new Registry(), opts: { defaults?: boolean } = {}) {
  if (opts.defaults ?? true) collectProcessMetrics(registry);
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const partition = ["consumer", "topic", "partition"] as const;
  return {
    registry,
    logEndOffset: gauge("adclicks_log_end_offset", "The partition's log end offset", ["topic", "partition"]),
    checkpointOffset: gauge(
      "adclicks_consumer_checkpoint_offset",
      "The next offset stored in the consumer's Postgres checkpoint",
      partition,
    ),
    lagRecords: gauge("adclicks_consumer_lag_records", "Log end offset minus the checkpoint offset", partition),
    lagSeconds: gauge(
      "adclicks_consumer_lag_seconds",
      "How long the first record not yet checkpointed has been in the log (0 when caught up)",
      partition,
    ),
    stalledSeconds: gauge(
      "adclicks_consumer_stalled_seconds",
      "How long the partition has had records to read while its checkpoint did not move (0 when it has nothing to read)",
      partition,
    ),
    checkpointAge: gauge(
      "adclicks_consumer_checkpoint_age_seconds",
      "Clock minus when the checkpoint row last moved (large on idle partitions: not an alarm by itself)",
      partition,
    ),
    outboxBacklog: gauge(
      "adclicks_redis_outbox_backlog_rows",
      "Committed checkpoints whose Redis deltas are not applied yet",
      ["consumer"],
    ),
    liveWindowsReady: gauge("adclicks_live_windows_ready", "1 when the Redis live windows are complete", []),
    finalityDelay: gauge("adclicks_finality_delay_seconds", "Clock minus the end of the newest final minute", []),
    sourceUp: gauge(
      "adclicks_monitor_source_up",
      "1 when the monitor's last read of the source (kafka, postgres, redis) succeeded",
      ["source"],
    ),
  };
}
