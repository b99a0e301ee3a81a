// Smoke test of the real broker: a click produced to ad-clicks keyed by ad_id is consumed back
// by key, and one key always lands on one partition (Kafka's default murmur2 partitioner).

import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestEnv, type TestEnv } from "./index";
import { readTopicUntil } from "./read-topic";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv("kafka-smoke", { partitions: 6 });
});
afterAll(async () => {
  await env?.cleanup();
});

test("produce clicks keyed by ad_id and consume them back by key", async () => {
  const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const messages = Array.from({ length: 60 }, (_, i) => ({
    key: `ad-${i % 12}`,
    value: JSON.stringify({ ad_id: `ad-${i % 12}`, n: i }),
  }));
  await producer.send({ topic: env.topics.clicks, acks: -1, messages });
  await producer.disconnect();

  const read = await readTopicUntil(env.kafka, env.topics.clicks, (all) => all.length >= messages.length);
  expect(read).toHaveLength(60);
  const partitionsByKey = new Map<string, Set<number>>();
  for (const m of read) {
    expect(JSON.parse(m.value).ad_id).toBe(m.key);
    const set = partitionsByKey.get(m.key!) ?? new Set();
    set.add(m.partition);
    partitionsByKey.set(m.key!, set);
  }
  expect(partitionsByKey.size).toBe(12);
  for (const set of partitionsByKey.values()) expect(set.size).toBe(1);
  // Twelve keys over six partitions: spread, not all on one.
  expect(new Set(read.map((m) => m.partition)).size).toBeGreaterThan(2);
});
