// The batch counter over the real operator with records as kafkajs delivers them: offset order
// from the read position, decisions added to the metric once per batch, dead letters kept for
// the next checkpoint, and the breaks where a revocation or a stop can end a batch.
import { ClickAggregator } from "@adclicks/core";
import { deadLetterSchema } from "@adclicks/kafka";
import { Registry } from "prom-client";
import { expect, test } from "vitest";
import { BatchCounter, type ConsumedRecord, YIELD_EVERY } from "./batch-counter";
import { createAggregatorMetrics } from "./metrics";

const NOW = Date.UTC(2026, 0, 1, 12, 0, 30);
const TOPIC = "ad-clicks";

const click = (i: number) =>
  JSON.stringify({
    event_id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    ad_id: `ad-${i % 7}`,
    click_timestamp: NOW - 1_000,
    user_id: "u-1",
    ip: "10.0.0.1",
    country: "US",
  });

/** Records at offsets from `first` on, with the given values (a number: that click). */
const records = (first: number, values: (number | string)[]): ConsumedRecord[] =>
  values.map((v, i) => ({
    offset: String(first + i),
    timestamp: String(NOW),
    value: Buffer.from(typeof v === "number" ? click(v) : v),
  }));

function setup(partitions = [0]) {
  const op = new ClickAggregator();
  for (const p of partitions) op.assign(p, undefined, NOW);
  const metrics = createAggregatorMetrics(new Registry(), { defaults: false });
  const state = { reading: true, stopping: false, breaks: 0 };
  const counter = new BatchCounter({
    op,
    metrics,
    topic: TOPIC,
    isReading: () => {
      state.breaks++;
      return state.reading;
    },
    stopping: () => state.stopping,
  });
  const events = async () =>
    Object.fromEntries((await metrics.events.get()).values.map((v) => [v.labels.decision, v.value]));
  return { op, metrics, state, counter, events };
}

test("records are counted from the read position on, decisions added per batch", async () => {
  const { op, counter, events } = setup();
  // Offsets 10-14; the position is 12: 10 and 11 are counted already (a fetch that overlaps).
  const batch = records(10, [1, 2, 3, 3, "{not json"]);
  expect(await counter.count(0, batch, 12, NOW)).toBe(15);
  expect(await events()).toEqual({ counted: 1, duplicate: 1, rejected: 1 });
  const plan = op.plan(NOW);
  expect(plan.partitions[0]?.nextOffset).toBe(15);
  expect(plan.partitions[0]?.counts.clicks).toBe(1);
});

test("rejected records become dead letters, kept until the next checkpoint takes them", async () => {
  const { counter, metrics } = setup();
  await counter.count(0, records(0, ["{not json", 1, '{"ad_id":"a"}']), 0, NOW);
  const dead = counter.takeDeadLetters().map((m) => deadLetterSchema.parse(JSON.parse(m.value)));
  expect(dead.map((d) => [d.reason, d.offset, d.partition, d.topic, d.source, d.rejectedAt])).toEqual([
    ["malformed_json", "0", 0, TOPIC, "aggregator", NOW],
    ["missing_field:event_id", "2", 0, TOPIC, "aggregator", NOW],
  ]);
  expect(dead[0]?.payload).toBe("{not json");
  expect(counter.takeDeadLetters()).toEqual([]);
  const reasons = (await metrics.deadLetters.get()).values.map((v) => [v.labels.reason, v.value]);
  expect(reasons).toEqual([
    ["malformed_json", 1],
    ["missing_field:event_id", 1],
  ]);
});

test("a long batch breaks every YIELD_EVERY records; revoked meanwhile, it ends uncounted", async () => {
  const { state, counter, events } = setup();
  const batch = records(
    0,
    Array.from({ length: 2 * YIELD_EVERY + 1 }, (_, i) => i),
  );
  expect(await counter.count(0, batch, 0, NOW)).toBe(batch.length);
  expect(state.breaks).toBe(2);
  expect(await events()).toEqual({ counted: batch.length });

  const revoked = setup();
  revoked.state.reading = false;
  expect(await revoked.counter.count(0, batch, 0, NOW)).toBeUndefined();
  expect(revoked.state.breaks).toBe(1);
  expect(await revoked.events()).toEqual({});
});

test("stopping ends a batch at the next break, at the position reached", async () => {
  const { state, counter, events } = setup();
  state.stopping = true;
  const batch = records(
    100,
    Array.from({ length: YIELD_EVERY + 10 }, (_, i) => i),
  );
  expect(await counter.count(0, batch, 100, NOW)).toBe(100 + YIELD_EVERY);
  expect(await events()).toEqual({ counted: YIELD_EVERY });
});
