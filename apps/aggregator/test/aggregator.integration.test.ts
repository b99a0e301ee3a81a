// The aggregator against real Kafka, Postgres and Redis: exact counts under duplicates,
// disorder, lateness and malformed input, and the live windows equal to the rollups; batches of
// other clients' codecs; transactional producers; a topic deleted and created again under its
// stored checkpoints.
import { execFileSync } from "node:child_process";
import { clickKey, isoMinute, MINUTE_MS } from "@adclicks/core";
import { createPool } from "@adclicks/db";
import { CompressionCodecs, CompressionTypes, ensureTopics } from "@adclicks/kafka";
import { createTestEnv, readTopicUntil, type TestEnv, waitFor } from "@adclicks/test-utils";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { makeTraffic, sumValues } from "./events";
import {
  checkpointedOffsets,
  compareLiveWindows,
  liveWindowsMatch,
  produce,
  rollupCells,
  spawnWorker,
} from "./harness";

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
  // The two hottest ads arrive split over 4 keys each, as producers route a hot ad: by a hash
  // of event_id, so every duplicate gets its original's key (and partition).
  const messages = traffic.messages.map((m) =>
    m.key === "ad-0" || m.key === "ad-1" ? { ...m, key: clickKey(m.key, JSON.parse(m.value).event_id, 4) } : m,
  );
  expect(new Set(messages.map((m) => m.key).filter((k) => k.startsWith("ad-0#"))).size).toBe(4);
  // Small publish batches: a final minute's ~500 ads go out in several chunks. A low hot-ad
  // threshold: the popular ads of each final minute make the hot list of a later one.
  const worker = spawnWorker(env, { PUBLISH_BATCH: "64", HOT_AD_CLICKS_PER_MINUTE: "500" });
  try {
    await produce(env, messages);
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
      return liveWindowsMatch(c) && c;
    });
    // Applied checkpoints leave the outbox (at a later commit): none is kept forever.
    await waitFor("redis outbox drained", async () => {
      const r = await pool.query<{ n: number }>("select count(*)::int as n from redis_outbox");
      return r.rows[0]?.n === 0;
    });
    const de = await compareLiveWindows(env, pool, "DE");
    for (const w of de.windows) {
      expect(w.redis).toEqual(w.postgres);
      expect(w.redisTop).toEqual(w.postgresTop);
    }
    expect(de.windows.at(-1)!.redis.length).toBeGreaterThan(100);

    // Every minute whose end the watermark passed is final and published to ad-click-counts.
    const finals = await waitFor("final minutes published", async () => {
      const r = await pool.query<{ n: number }>(
        "select count(*)::int as n from minute_status where final_at is not null and published_at is not null and not needs_republish",
      );
      return (r.rows[0]?.n ?? 0) >= 5 && r.rows[0]!.n;
    });
    expect(finals).toBeGreaterThanOrEqual(5);

    // The feed of one final minute: every ad's total and the top 100 (count desc, ad_id asc).
    const oldest = await pool.query<{ ms: number }>(
      `select (extract(epoch from min(minute)) * 1000)::bigint as ms from minute_status
        where published_at is not null and not needs_republish`,
    );
    const minute = isoMinute(Number(oldest.rows[0]!.ms));
    const totals = await pool.query<{ ad_id: string; n: number }>(
      `select ad_id, sum(clicks)::bigint as n from click_rollups
        where minute = to_timestamp($1 / 1000.0) group by ad_id order by n desc, ad_id asc`,
      [oldest.rows[0]!.ms],
    );
    const wanted = [`top:${minute}`, ...totals.rows.map((r) => `${r.ad_id}:${minute}`)];
    const feed = await readTopicUntil(env.kafka, env.topics.counts, (all) => {
      const keys = new Set(all.map((m) => m.key));
      return wanted.every((k) => keys.has(k));
    });
    const latest = new Map(feed.map((m) => [m.key, JSON.parse(m.value)]));
    const perAd = totals.rows.map((r) => latest.get(`${r.ad_id}:${minute}`)?.count);
    expect(perAd).toEqual(totals.rows.map((r) => Number(r.n)));
    expect(latest.get(`top:${minute}`).top).toEqual(
      totals.rows.slice(0, 100).map((r) => ({ ad_id: r.ad_id, count: Number(r.n) })),
    );

    // Hot lists: each final minute names the ads with ≥ 500 clicks in it, for a minute at
    // least two later (several deciding minutes may feed one list when finality catches up;
    // the first decision of an ad stands). Lists are immutable: late corrections to the
    // deciding minute (late_events) came after the decision.
    const hot = await pool.query<{ minute: Date; decided_by: Date; ad_id: string; clicks: number; slots: number }>(
      "select minute, decided_by, ad_id, clicks, slots from hot_ads",
    );
    expect(hot.rows.length).toBeGreaterThan(0);
    const decidedCounts = async (d: Date) =>
      (
        await pool.query<{ ad_id: string; n: number }>(
          `select r.ad_id, r.n - coalesce(l.n, 0) as n
             from (select ad_id, sum(clicks)::bigint as n from click_rollups where minute = $1 group by ad_id) r
             left join (select ad_id, sum(clicks)::bigint as n from late_events where minute = $1 group by ad_id) l
               using (ad_id)`,
          [d],
        )
      ).rows;
    for (const d of new Set(hot.rows.map((r) => r.decided_by.getTime()))) {
      const counts = new Map((await decidedCounts(new Date(d))).map((r) => [r.ad_id, Number(r.n)]));
      const decided = hot.rows.filter((r) => r.decided_by.getTime() === d);
      for (const r of decided) {
        expect([r.ad_id, Number(r.clicks), r.slots]).toEqual([r.ad_id, counts.get(r.ad_id), 4]);
        expect(Number(r.clicks)).toBeGreaterThanOrEqual(500);
        expect(r.minute.getTime() - d).toBeGreaterThanOrEqual(2 * MINUTE_MS);
      }
      const listMinute = decided[0]!.minute.getTime();
      const listed = hot.rows.filter((r) => r.minute.getTime() === listMinute).map((r) => r.ad_id);
      const over = [...counts].filter(([, n]) => n >= 500).map(([ad]) => ad);
      expect(listed).toEqual(expect.arrayContaining(over));
    }
  } finally {
    await worker.kill("SIGTERM");
  }
});

test("batches compressed with zstd by another client are read and counted", async () => {
  // kafkajs has no zstd compressor; stand in for a Java/librdkafka producer with the zstd CLI.
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

test("a topic created again under the same name is counted from its start, not skipped as replays", async () => {
  const renv = await createTestEnv("agg-recreated", { partitions: 2 });
  const rpool = createPool(renv.databaseUrl, 2);
  const group = `agg-${renv.id}`;
  const start = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 10 * MINUTE_MS;
  const before = makeTraffic({ count: 6_000, seed: 6, startMs: start, spanMs: 2 * MINUTE_MS });
  const after = makeTraffic({ count: 2_000, seed: 7, startMs: start + 3 * MINUTE_MS, spanMs: MINUTE_MS });
  try {
    let worker = spawnWorker(renv);
    await produce(renv, before.messages);
    await waitFor("the first log checkpointed", async () => (await checkpointedOffsets(rpool, group)) === 6_000, {
      timeoutMs: 60_000,
    });
    await worker.kill();
    // As when Kafka's data directory is wiped: the topic is gone, then created empty again.
    const admin = renv.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [renv.topics.clicks] });
      await waitFor("the topic deleted", async () => !(await admin.listTopics()).includes(renv.topics.clicks));
      await waitFor("the topic created again", async () => (await ensureTopics(renv.kafka, renv.topics, 2)).length > 0);
    } finally {
      await admin.disconnect();
    }
    await produce(renv, after.messages);
    worker = spawnWorker(renv);
    try {
      // The new log is shorter than the stored offsets: its 2,000 records are all counted.
      await waitFor("the new log checkpointed", async () => (await checkpointedOffsets(rpool, group)) === 2_000, {
        timeoutMs: 60_000,
      });
      const both = new Map(before.truth);
      for (const [cell, n] of after.truth) both.set(cell, (both.get(cell) ?? 0) + n);
      expect(await rollupCells(rpool)).toEqual(both);
      expect(worker.output.join("")).toContain("checkpoint past the end of the log");
    } finally {
      await worker.kill();
    }
  } finally {
    await rpool.end();
    await renv.cleanup();
  }
});

test("transactional producers: committed records are counted, aborted ones and markers passed over", async () => {
  // Offsets with no record for a consumer (transaction markers, aborted records): a fetch that
  // starts at one returns a batch whose first record lies past the worker's position. The
  // worker goes back once, sees the same gap, accepts it, and counts every committed record.
  const tenv = await createTestEnv("agg-txn", { partitions: 2 });
  const tpool = createPool(tenv.databaseUrl, 2);
  const group = `agg-${tenv.id}`;
  const start = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 10 * MINUTE_MS;
  const traffic = (count: number, seed: number) => makeTraffic({ count, seed, startMs: start, spanMs: 2 * MINUTE_MS });
  const [before, aborted, counted] = [traffic(2_000, 6), traffic(1_000, 66), traffic(4_000, 666)];
  const txProducer = tenv.kafka.producer({
    transactionalId: `tx-${tenv.id}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const plain = tenv.kafka.producer();
  const admin = tenv.kafka.admin();
  let worker: ReturnType<typeof spawnWorker> | undefined;
  try {
    await Promise.all([txProducer.connect(), plain.connect(), admin.connect()]);
    // kafkajs lists offsets read-committed: a partition's end shows once its commit marker is
    // written (a marker per partition per transaction, written after the commit returns).
    const settled = (total: number) =>
      waitFor("transaction markers written", async () => {
        const ends = new Map(
          (await admin.fetchTopicOffsets(tenv.topics.clicks)).map((e) => [e.partition, Number(e.high)]),
        );
        return [...ends.values()].reduce((a, b) => a + b, 0) === total && ends;
      });
    const inTransaction = async (messages: { key: string; value: string }[], commit: boolean) => {
      const tx = await txProducer.transaction();
      await tx.send({ topic: tenv.topics.clicks, acks: -1, messages });
      await (commit ? tx.commit() : tx.abort());
    };
    await inTransaction(before.messages, true);
    // Each partition's last offset is now its commit marker: the worker starts there, as if
    // `before` had been counted by an earlier run.
    const markers = await settled(before.messages.length + 2);
    await inTransaction(aborted.messages, false);
    await inTransaction(counted.messages.slice(0, 3_000), true);
    const inTransactions = before.messages.length + aborted.messages.length + 3_000 + 3 * 2;
    await settled(inTransactions);
    // The log ends with plain records, so the last stored offsets reach its end.
    await plain.send({ topic: tenv.topics.clicks, acks: -1, messages: counted.messages.slice(3_000) });
    for (const [partition, high] of markers) {
      await tpool.query(
        `insert into consumer_checkpoints (consumer, topic, partition, next_offset, seq, max_event_ms, dedup_from_offset)
         values ($1, $2, $3, $4, 1, 0, $4)`,
        [group, tenv.topics.clicks, partition, high - 1],
      );
    }
    const logEnd = inTransactions + counted.messages.length - 3_000;
    worker = spawnWorker(tenv, { LOG_LEVEL: "info" });
    await waitFor("every offset checkpointed", async () => (await checkpointedOffsets(tpool, group)) === logEnd, {
      timeoutMs: 60_000,
    });
    expect(await rollupCells(tpool)).toEqual(counted.truth);
    expect(worker.output.join("")).toContain("offsets absent from the log skipped");
  } finally {
    await worker?.kill();
    await Promise.all([txProducer.disconnect(), plain.disconnect(), admin.disconnect()]);
    await tpool.end();
    await tenv.cleanup();
  }
});
