// A burst of bad input against real Kafka and Postgres: more dead letters in one checkpoint than
// Kafka takes in one produce request. The broker refuses an oversized record batch for good, so
// the worker must split them, or it retries the same refused send forever and counts nothing more.
import { MINUTE_MS } from "@adclicks/core";
import { createPool } from "@adclicks/db";
import { deadLetterSchema } from "@adclicks/kafka";
import { createTestEnv, readTopicUntil, type TestEnv, waitFor } from "@adclicks/test-utils";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { checkpointedOffsets, produce, rollupCells, spawnWorker } from "./harness";

let env: TestEnv;
let pool: pg.Pool;

beforeAll(async () => {
  env = await createTestEnv("agg-dlq-burst", { partitions: 2 });
  pool = createPool(env.databaseUrl, 2);
});
afterAll(async () => {
  await pool?.end();
  await env?.cleanup();
});

test("megabytes of dead letters in one checkpoint are all sent, and counting goes on", async () => {
  const BAD = 3_000;
  const GOOD = 500;
  // ~2 KB each, one reason (one key, so one dead-letter partition): ~6 MB, read in a few fetches.
  const bad = Array.from({ length: BAD }, (_, i) => ({
    key: `ad-${i % 7}`,
    value: `{"ad_id": "ad-${i}", ${"x".repeat(2_000)}`,
  }));
  const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 5 * MINUTE_MS;
  const good = Array.from({ length: GOOD }, (_, i) => ({
    key: `ad-${i % 7}`,
    value: JSON.stringify({
      event_id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      ad_id: `ad-${i % 7}`,
      click_timestamp: minute + i,
      user_id: `u-${i}`,
      ip: "10.0.0.1",
      country: "US",
    }),
  }));
  await produce(env, [...bad, ...good], 200);
  // Every record was read before the first checkpoint could send anything.
  const worker = spawnWorker(env, { CHECKPOINT_INTERVAL_MS: "2000" });
  try {
    await waitFor(
      "every record checkpointed",
      async () => (await checkpointedOffsets(pool, `agg-${env.id}`)) === BAD + GOOD,
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    const cells = await rollupCells(pool);
    expect([...cells.values()].reduce((a, b) => a + b, 0)).toBe(GOOD);
    const dead = await readTopicUntil(env.kafka, env.topics.deadLetters, (all) => all.length >= BAD);
    const letters = dead.map((d) => deadLetterSchema.parse(JSON.parse(d.value)));
    expect(letters).toHaveLength(BAD);
    expect(new Set(letters.map((l) => l.reason))).toEqual(new Set(["malformed_json"]));
    expect(new Set(letters.map((l) => `${l.partition}:${l.offset}`)).size).toBe(BAD);
    expect(worker.output.join("")).not.toContain("send dead letters failed");
  } finally {
    await worker.kill();
  }
});
