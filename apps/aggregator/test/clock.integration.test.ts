// Time is the clock's, end to end with real Kafka, Postgres and Redis: clicks stamped now + 290 s
// — POSTed to the collector (refused), written straight into Kafka by a foreign producer with
// record timestamps "now" (refused by the aggregator, which judges a click by its record's
// timestamp) or with record timestamps 290 s ahead as well (counted, in their own minute) —
// never move a live window, never put as_of or the watermark past the clock, and a real click
// after them is counted on time, not as a late correction.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { MINUTE_MS, minuteOf } from "@adclicks/core";
import { createDb, createPool, type Db } from "@adclicks/db";
import { getAggregatedCount, getPopularAds, type QueryDeps } from "@adclicks/db/queries";
import { deadLetterSchema } from "@adclicks/kafka";
import { createLiveWindows, createRedis, type Redis, readLiveSet, redisKeys } from "@adclicks/live";
import { createTestEnv, readTopicUntil, type TestEnv, waitFor } from "@adclicks/test-utils";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { checkpointedOffsets, spawnWorker, type WorkerProcess } from "./harness";

const COLLECTOR_MAIN = fileURLToPath(new URL("../../collector/src/main.ts", import.meta.url));
const AHEAD_MS = 290_000;

let env: TestEnv;
let pool: pg.Pool;
let db: Db;
let redis: Redis;
let worker: WorkerProcess;
let collector: ChildProcess;
let collectorUrl: string;
let metricsUrl: string;
let produced = 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  env = await createTestEnv("agg-clock", { partitions: 2 });
  pool = createPool(env.databaseUrl, 2);
  db = createDb(env.databaseUrl, 2);
  redis = createRedis(env.redisUrl);
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  worker = spawnWorker(env, { METRICS_PORT: String(metricsPort) });
  const collectorPort = await freePort();
  collectorUrl = `http://127.0.0.1:${collectorPort}`;
  collector = spawn(process.execPath, ["--import", "tsx", COLLECTOR_MAIN], {
    // Anonymous ingest (the test sends no ingest key) and no metrics listener, where the collector has them.
    env: env.childEnv({
      COLLECTOR_PORT: String(collectorPort),
      COLLECTOR_HOST: "127.0.0.1",
      COLLECTOR_ALLOW_ANONYMOUS: "1",
      COLLECTOR_METRICS_PORT: "0",
      LOG_LEVEL: "warn",
    }),
    stdio: "ignore",
  });
  await waitFor("collector ready", async () => (await fetch(`${collectorUrl}/readyz`).catch(() => null))?.ok, {
    timeoutMs: 60_000,
    intervalMs: 250,
  });
});

afterAll(async () => {
  collector?.kill("SIGTERM");
  await worker?.kill();
  redis?.disconnect();
  await db?.$client.end();
  await pool?.end();
  await env?.cleanup();
});

const click = (adId: string, ts: number) =>
  JSON.stringify({
    event_id: randomUUID(),
    ad_id: adId,
    click_timestamp: ts,
    user_id: "u-1",
    ip: "10.0.0.1",
    country: "US",
  });

async function postClicks(lines: string[]) {
  const res = await fetch(`${collectorUrl}/v1/clicks`, {
    method: "POST",
    body: `${lines.join("\n")}\n`,
    headers: { "content-type": "application/x-ndjson" },
  });
  return {
    status: res.status,
    body: (await res.json()) as { accepted: number; rejected: number; errors: { reason: string }[] },
  };
}

/** Writes records straight into Kafka, as an ad server's own client would, with its record timestamps. */
async function produceForeign(messages: { key: string; value: string; timestamp: number }[]): Promise<void> {
  const producer = env.kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: env.topics.clicks,
      acks: -1,
      messages: messages.map((m) => ({ ...m, timestamp: String(m.timestamp) })),
    });
    produced += messages.length;
  } finally {
    await producer.disconnect();
  }
  await waitFor(
    "every record checkpointed",
    async () => (await checkpointedOffsets(pool, `agg-${env.id}`)) === produced,
    {
      timeoutMs: 120_000,
      intervalMs: 250,
    },
  );
}

const deps = (): QueryDeps => ({ db, live: createLiveWindows(redis, redisKeys(env.redisPrefix)), now: Date.now });

async function watermarkMs(): Promise<number | undefined> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split("\n").find((l) => l.startsWith("aggregator_watermark_timestamp_seconds "));
  return line === undefined ? undefined : Number(line.split(" ")[1]) * 1000;
}

/** The live windows, as_of, finality and the watermark: nothing past the clock. */
async function expectTheClockHolds(): Promise<void> {
  for (const minutes of [1, 5, 60]) {
    for (const d of [deps(), { ...deps(), live: null }]) {
      const r = await getPopularAds(d, { n: 1000, range: { kind: "last", minutes } });
      const now = Date.now();
      expect(r.toMs).toBeLessThanOrEqual(minuteOf(now) + MINUTE_MS);
      expect({ minutes, source: r.source, future: r.ads.filter((a) => a.adId.startsWith("ad-future")) }).toEqual({
        minutes,
        source: r.source,
        future: [],
      });
      expect(r.asOfMs === null || r.asOfMs <= now).toBe(true);
    }
  }
  const final = await pool.query<{ m: Date | null }>(
    "select max(minute) as m from minute_status where final_at is not null",
  );
  const lastFinal = final.rows[0]?.m;
  if (lastFinal) expect(new Date(lastFinal).getTime() + MINUTE_MS).toBeLessThanOrEqual(Date.now());
  const wm = await watermarkMs();
  if (wm !== undefined) expect(wm).toBeLessThanOrEqual(Date.now());
  expect(Number(await redis.hget(redisKeys(env.redisPrefix).meta, "clock"))).toBeLessThanOrEqual(Date.now());
}

test("clicks stamped now + 290 s move no window, no as_of, no watermark; a real click after them is on time", async () => {
  // The pipeline is up and counting: a first real click, through the collector.
  expect((await postClicks([click("ad-real", Date.now())])).body.accepted).toBe(1);
  produced += 1;
  await waitFor("the first click counted", async () => (await checkpointedOffsets(pool, `agg-${env.id}`)) === 1, {
    timeoutMs: 120_000,
    intervalMs: 250,
  });

  // 1. POSTed to the collector: refused as future_timestamp (the body is mostly invalid, so
  // refused whole), nothing reaches ad-clicks or the dead letters.
  const posted = await postClicks(
    Array.from({ length: 200 }, (_, i) => click(`ad-future-post-${i}`, Date.now() + AHEAD_MS)),
  );
  expect({ status: posted.status, accepted: posted.body.accepted, rejected: posted.body.rejected }).toEqual({
    status: 400,
    accepted: 0,
    rejected: 200,
  });
  expect(new Set(posted.body.errors.map((e) => e.reason))).toEqual(new Set(["future_timestamp"]));

  // 2. Straight into Kafka, records stamped now: the aggregator refuses them by the same rule.
  await produceForeign(
    Array.from({ length: 200 }, (_, i) => ({
      key: `ad-future-kafka-${i}`,
      value: click(`ad-future-kafka-${i}`, Date.now() + AHEAD_MS),
      timestamp: Date.now(),
    })),
  );
  const dlq = await readTopicUntil(env.kafka, env.topics.deadLetters, (all) => all.length >= 200);
  const letters = dlq.map((m) => deadLetterSchema.parse(JSON.parse(m.value)));
  expect(letters.map((l) => `${l.source}: ${l.reason}`)).toEqual(Array(200).fill("aggregator: future_timestamp"));
  await expectTheClockHolds();

  // 3. Straight into Kafka with record timestamps 290 s ahead too: the windows hold what the
  // record timestamps say (their minute is in Redis and Postgres), anchored to the clock.
  const aheadAt = Date.now() + AHEAD_MS;
  await produceForeign(
    Array.from({ length: 200 }, (_, i) => ({
      key: `ad-future-stamped-${i % 20}`,
      value: click(`ad-future-stamped-${i % 20}`, aheadAt),
      timestamp: aheadAt,
    })),
  );
  const rollups = await pool.query<{ n: number }>(
    "select coalesce(sum(clicks), 0)::bigint as n from click_rollups where ad_id like 'ad-future-stamped-%'",
  );
  expect(Number(rollups.rows[0]!.n)).toBe(200);
  await waitFor(
    "the minute ahead applied to Redis",
    async () => (await readLiveSet(redis, redisKeys(env.redisPrefix), "minute", minuteOf(aheadAt))).size === 20,
    { timeoutMs: 30_000 },
  );
  await expectTheClockHolds();

  // 4. A real click now: counted in the open minute, on time (no late correction), in the windows.
  const real = `ad-real-${randomUUID().slice(0, 8)}`;
  expect((await postClicks([click(real, Date.now())])).body.accepted).toBe(1);
  produced += 1;
  await waitFor("the real click counted", async () => (await checkpointedOffsets(pool, `agg-${env.id}`)) === produced, {
    timeoutMs: 120_000,
    intervalMs: 250,
  });
  const counted = await waitFor(
    "the real click in the live window",
    async () => {
      const r = await getAggregatedCount(deps(), { adId: real, range: { kind: "last", minutes: 5 } });
      return r.source === "redis" && r.count === 1 && r;
    },
    { timeoutMs: 30_000 },
  );
  expect(counted.count).toBe(1);
  const late = await pool.query<{ n: number }>("select count(*)::bigint as n from late_events");
  expect(Number(late.rows[0]!.n)).toBe(0);
  await expectTheClockHolds();
});
