// The monitor's gauges from fake sources: lag per partition of every watched consumer (from the
// log start when it never checkpointed), idle partitions neither lagging nor stalled, and a
// source that fails leaving its gauges out and saying so.
import type { PipelineGauges } from "@adclicks/db/queries";
import { pino } from "pino";
import { Registry } from "prom-client";
import { expect, test } from "vitest";
import { createMonitorMetrics } from "./metrics";
import { type MonitorSources, PipelineMonitor } from "./pipeline-monitor";

const T0 = 1_700_000_000_000;

function setup(overrides: Partial<MonitorSources> = {}) {
  let now = T0;
  const offsets: Record<string, { partition: number; low: number; high: number }[]> = {
    clicks: [
      { partition: 0, low: 0, high: 100 },
      { partition: 1, low: 0, high: 50 },
    ],
    dlq: [{ partition: 0, low: 0, high: 3 }],
  };
  const gauges: PipelineGauges = {
    checkpoints: [
      { consumer: "aggregator", topic: "clicks", partition: 0, nextOffset: 100, updatedAtMs: T0 - 3_600_000 },
      { consumer: "aggregator", topic: "clicks", partition: 1, nextOffset: 40, updatedAtMs: T0 - 1_000 },
    ],
    outbox: [{ consumer: "aggregator", rows: 7 }],
    newestFinalMinuteMs: T0 - 120_000,
  };
  const metrics = createMonitorMetrics(new Registry(), { defaults: false });
  const monitor = new PipelineMonitor({
    sources: {
      logOffsets: async (topic) => offsets[topic] ?? [],
      gauges: async () => gauges,
      liveReady: async () => true,
      ...overrides,
    },
    consumers: [
      { name: "aggregator", topic: "clicks" },
      { name: "dead-letter-archive", topic: "dlq" },
    ],
    metrics,
    now: () => now,
    log: pino({ level: "silent" }),
  });
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
    return m?.values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))?.value;
  };
  return { monitor, value, offsets, advance: (ms: number) => (now += ms) };
}

test("lag and stall per partition; an idle partition with an hour-old checkpoint is neither", async () => {
  const { monitor, value, offsets, advance } = setup();
  await monitor.refresh();
  expect(await value("adclicks_consumer_lag_records", { consumer: "aggregator", partition: "0" })).toBe(0);
  expect(await value("adclicks_consumer_stalled_seconds", { consumer: "aggregator", partition: "0" })).toBe(0);
  expect(await value("adclicks_consumer_checkpoint_age_seconds", { consumer: "aggregator", partition: "0" })).toBe(
    3600,
  );
  expect(await value("adclicks_consumer_lag_records", { consumer: "aggregator", partition: "1" })).toBe(10);
  // Never checkpointed: from the log start.
  expect(await value("adclicks_consumer_lag_records", { consumer: "dead-letter-archive", partition: "0" })).toBe(3);
  advance(30_000);
  offsets.clicks = [
    { partition: 0, low: 0, high: 100 },
    { partition: 1, low: 0, high: 80 },
  ];
  await monitor.refresh();
  expect(await value("adclicks_consumer_lag_records", { consumer: "aggregator", partition: "1" })).toBe(40);
  expect(await value("adclicks_consumer_lag_seconds", { consumer: "aggregator", partition: "1" })).toBe(30);
  expect(await value("adclicks_consumer_stalled_seconds", { consumer: "aggregator", partition: "1" })).toBe(30);
  expect(await value("adclicks_consumer_stalled_seconds", { consumer: "aggregator", partition: "0" })).toBe(0);
  expect(await value("adclicks_redis_outbox_backlog_rows", { consumer: "aggregator" })).toBe(7);
  expect(await value("adclicks_redis_outbox_backlog_rows", { consumer: "dead-letter-archive" })).toBe(0);
  expect(await value("adclicks_finality_delay_seconds")).toBe(90);
  expect(await value("adclicks_live_windows_ready")).toBe(1);
});

test("a source that fails drops its gauges and is reported down", async () => {
  const { monitor, value } = setup({
    gauges: () => Promise.reject(new Error("connection refused")),
    liveReady: () => Promise.reject(new Error("redis down")),
  });
  await monitor.refresh();
  expect(await value("adclicks_monitor_source_up", { source: "postgres" })).toBe(0);
  expect(await value("adclicks_monitor_source_up", { source: "kafka" })).toBe(1);
  expect(await value("adclicks_consumer_lag_records", { consumer: "aggregator" })).toBeUndefined();
  expect(await value("adclicks_log_end_offset", { topic: "clicks", partition: "1" })).toBe(50);
  expect(await value("adclicks_live_windows_ready")).toBe(0);
});
