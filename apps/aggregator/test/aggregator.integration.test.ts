// The aggregator against real Kafka, Postgres and Redis: exact counts under duplicates,
// disorder, lateness and malformed input, and the live windows equal to the rollups.
import { execFileSync } from "node:child_process";
import { MINUTE_MS } from "@adclicks/core";
import { createPool } from "@adclicks/db";
import { createTestEnv, readTopicUntil, type TestEnv, waitFor } from "@adclicks/test-utils";
import kafkajs from "kafkajs";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { makeTraffic, sumValues } from "./events";
import { checkpointedOffsets, compareLiveWindows, produce, rollupCells, spawnWorker } from "./harness";

let env: TestEnv;
let pool: pg.Pool;

beforeAll(async () => {
  env = await createTestEnv("agg-exact", { partitions: 4 });
  pool = createPool(env.databaseUrl, 2);
});
afterAll(async () => {
  await pool?.end();
  await env?.cleanup();
});

test("200k events with duplicates, disorder, late and malformed ones are counted exactly", async () => {
  const start = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 20 * MINUTE_MS;
  const traffic = makeTraffic({
    count: 200_000,
    seed: 42,
    startMs: start,
    spanMs: 6 * MINUTE_MS,
    duplicateRatio: 0.05,
    outOfOrderRatio: 0.05,
    lateRatio: 0.01,
    malformedRatio: 0.01,
  });
  const worker = spawnWorker(env);
  try {
    await produce(env, traffic.messages);
    const group = `agg-${env.id}`;
    await waitFor(
      "every record checkpointed",
      async () => (await checkpointedOffsets(pool, group)) === traffic.messages.length,
      {
        timeoutMs: 240_000,
        intervalMs: 500,
      },
    );
    const cells = await rollupCells(pool);
    expect(sumValues(cells)).toBe(sumValues(traffic.truth));
    expect(cells).toEqual(traffic.truth);

    // Late events were counted in their own minutes and reported as corrections.
    const late = await pool.query<{ n: number }>("select coalesce(sum(clicks), 0)::bigint as n from late_events");
    expect(late.rows[0]!.n).toBeGreaterThan(0);
    expect(late.rows[0]!.n).toBeLessThanOrEqual(traffic.late + traffic.messages.length * 0.06);

    // Malformed events are in the dead-letter topic, with their reasons.
    const dead = await readTopicUntil(env.kafka, env.topics.deadLetters, (all) => all.length >= traffic.malformed);
    expect(dead).toHaveLength(traffic.malformed);
    const reasons = new Set(dead.map((d) => JSON.parse(d.value).reason));
    expect([...reasons].sort()).toEqual(["malformed_json", "missing_field:event_id", "not_an_object"]);

    // Redis live windows equal the Postgres rollups over the same minutes.
    await waitFor("redis caught up", async () => {
      const c = await compareLiveWindows(env, pool);
      return c.windows.every((w) => JSON.stringify(w.redis) === JSON.stringify(w.postgres)) && c;
    });
    const de = await compareLiveWindows(env, pool, "DE");
    for (const w of de.windows) expect(w.redis).toEqual(w.postgres);
    expect(de.windows.at(-1)!.redis.length).toBeGreaterThan(100);

    // Every minute whose end the watermark passed is final and published to ad-click-counts.
    const finals = await waitFor("final minutes published", async () => {
      const r = await pool.query<{ n: number }>(
        "select count(*)::int as n from minute_status where final_at is not null and published_at is not null and not needs_republish",
      );
      return (r.rows[0]?.n ?? 0) >= 5 && r.rows[0]!.n;
    });
    expect(finals).toBeGreaterThanOrEqual(5);
  } finally {
    await worker.kill("SIGTERM");
  }
});

test("batches compressed with zstd by another client are read and counted", async () => {
  // kafkajs has no zstd compressor; stand in for a Java/librdkafka producer with the zstd CLI.
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: async (encoder: { buffer: Buffer }) => execFileSync("zstd", ["-q", "-c"], { input: encoder.buffer }),
    decompress: async (buffer: Buffer) => execFileSync("zstd", ["-q", "-d", "-c"], { input: buffer }),
  });
  const zenv = await createTestEnv("agg-zstd", { partitions: 2 });
  const zpool = createPool(zenv.databaseUrl, 2);
  const worker = spawnWorker(zenv);
  try {
    const start = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 10 * MINUTE_MS;
    const t = makeTraffic({ count: 5_000, seed: 5, startMs: start, spanMs: 2 * MINUTE_MS, duplicateRatio: 0.05 });
    const producer = zenv.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: zenv.topics.clicks,
      acks: -1,
      compression: CompressionTypes.ZSTD,
      messages: t.messages,
    });
    await producer.disconnect();
    await waitFor(
      "zstd records checkpointed",
      async () => (await checkpointedOffsets(zpool, `agg-${zenv.id}`)) === t.messages.length,
      {
        timeoutMs: 60_000,
      },
    );
    expect(await rollupCells(zpool)).toEqual(t.truth);
  } finally {
    await worker.kill();
    await zpool.end();
    await zenv.cleanup();
  }
});
