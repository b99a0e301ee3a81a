// Integration-test plumbing for the aggregator: run workers as real child processes (so they
// can be SIGKILLed), produce traffic with every codec, and read back what Postgres, Redis and
// Kafka hold.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type AdCount, minuteOf, topN } from "@adclicks/core";
import { CompressionTypes } from "@adclicks/kafka";
import { createRedis, readLiveSet, readLiveTopN, redisKeys } from "@adclicks/live";
import type { TestEnv } from "@adclicks/test-utils";
import type pg from "pg";
import { WORKER_ENV, WORKER_NODE_FLAGS } from "../src/runtime";
import { cellKey } from "./events";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

export interface WorkerProcess {
  proc: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnWorker(env: TestEnv, extra: Record<string, string> = {}): WorkerProcess {
  // Run as `npm start` runs it (src/runtime.ts), so tests cover the heap cap too.
  const proc = spawn(process.execPath, [...WORKER_NODE_FLAGS, "--import", "tsx", MAIN], {
    env: env.childEnv({
      ...WORKER_ENV,
      AGGREGATOR_GROUP: `agg-${env.id}`,
      METRICS_PORT: "0",
      CHECKPOINT_INTERVAL_MS: "250",
      IDLE_TIMEOUT_MS: "3000",
      KAFKA_SESSION_TIMEOUT_MS: "6000",
      LOG_LEVEL: "warn",
      ...extra,
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  proc.stdout?.on("data", (d) => output.push(String(d)));
  proc.stderr?.on("data", (d) => output.push(String(d)));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return {
    proc,
    output,
    exited,
    kill: async (signal = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Produces with every codec kafkajs can write (none, gzip, snappy, lz4), round-robin by chunk. */
export async function produce(
  env: TestEnv,
  messages: { key: string; value: string }[],
  chunk = 2_000,
  pauseMs = 0,
): Promise<void> {
  const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const codecs = [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4];
  try {
    for (let i = 0, n = 0; i < messages.length; i += chunk, n++) {
      await producer.send({
        topic: env.topics.clicks,
        acks: -1,
        compression: codecs[n % codecs.length],
        messages: messages.slice(i, i + chunk),
      });
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  } finally {
    await producer.disconnect();
  }
}

export async function rollupCells(pool: pg.Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ ad_id: string; m: number; country: string; clicks: number }>(
    "select ad_id, (extract(epoch from minute) * 1000)::bigint as m, country, clicks from click_rollups",
  );
  return new Map(rows.map((r) => [cellKey(r.ad_id, r.m, r.country), r.clicks]));
}

/**
 * Where the hourly tables are not the minute rollups summed by hour (at most 5 per table), as
 * "table ad|hour[|country]: minutes=… hourly=…"; empty when they agree cell by cell.
 */
export async function hourlyDrift(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ d: string }>(
    `(with m as (select ad_id, date_trunc('hour', minute, 'UTC') as hour, country, sum(clicks)::bigint as n
                   from click_rollups group by 1, 2, 3)
      select format('click_rollups_hourly %s|%s|%s: minutes=%s hourly=%s', ad_id, hour, country, m.n, h.clicks) as d
        from m full join click_rollups_hourly h using (ad_id, hour, country)
       where m.n is distinct from h.clicks limit 5)
     union all
     (with m as (select ad_id, date_trunc('hour', minute, 'UTC') as hour, sum(clicks)::bigint as n
                   from click_rollups group by 1, 2)
      select format('ad_clicks_hourly %s|%s: minutes=%s hourly=%s', ad_id, hour, m.n, h.clicks) as d
        from m full join ad_clicks_hourly h using (ad_id, hour)
       where m.n is distinct from h.clicks limit 5)`,
  );
  return rows.map((r) => r.d);
}

/** Sum of stored next offsets: equals the number of produced records once all are consumed. */
export async function checkpointedOffsets(pool: pg.Pool, group: string): Promise<number> {
  const { rows } = await pool.query<{ n: number | null }>(
    "select sum(next_offset)::bigint as n from consumer_checkpoints where consumer = $1",
    [group],
  );
  return rows[0]?.n ?? 0;
}

/** Windows the tests compare (any M up to 60 is served the same way). */
const COMPARED_WINDOWS = [1, 5, 15, 60];
const TOP = 100;

/**
 * Per-ad totals over the M minutes ending with the clock's minute, (head-M, head], from Postgres,
 * and the same summed from the Redis minute sets; and the top 100 as the live query answers it,
 * against Postgres' top 100.
 */
export async function compareLiveWindows(env: TestEnv, pool: pg.Pool, country?: string) {
  const redis = createRedis(env.redisUrl);
  const keys = redisKeys(env.redisPrefix);
  try {
    const head = minuteOf(Date.now());
    const out: {
      window: number;
      redis: [string, number][];
      postgres: [string, number][];
      redisTop: AdCount[] | undefined;
      postgresTop: AdCount[];
    }[] = [];
    for (const w of COMPARED_WINDOWS) {
      const sums = new Map<string, number>();
      for (let m = head - (w - 1) * 60_000; m <= head; m += 60_000) {
        for (const [ad, n] of await readLiveSet(redis, keys, "minute", m, country))
          sums.set(ad, (sums.get(ad) ?? 0) + n);
      }
      const { rows } = await pool.query<{ ad_id: string; n: number }>(
        `select ad_id, sum(clicks)::bigint as n from click_rollups
          where minute > to_timestamp($1 / 1000.0) and minute <= to_timestamp($2 / 1000.0)
            and ($3::text is null or country = $3) group by ad_id`,
        [head - w * 60_000, head, country ?? null],
      );
      const postgres = rows.map((r): [string, number] => [r.ad_id, Number(r.n)]);
      const sort = (a: [string, number][]) => a.sort((x, y) => (x[0] < y[0] ? -1 : 1));
      out.push({
        window: w,
        redis: sort([...sums]),
        postgres: sort(postgres),
        redisTop: (await readLiveTopN(redis, keys, { endMs: head, minutes: w, country }, TOP))?.ads,
        postgresTop: topN(postgres, TOP),
      });
    }
    return { head, windows: out };
  } finally {
    redis.disconnect();
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every compared window holds the same totals and the same top 100 in Redis as in Postgres. */
export function liveWindowsMatch(c: Awaited<ReturnType<typeof compareLiveWindows>>): boolean {
  return c.windows.every((w) => same(w.redis, w.postgres) && same(w.redisTop, w.postgresTop));
}

/** What Redis applied against what Postgres committed: printed when the windows disagree. */
export async function redisDiagnostics(env: TestEnv, pool: pg.Pool) {
  const redis = createRedis(env.redisUrl);
  const keys = redisKeys(env.redisPrefix);
  try {
    const cmp = await compareLiveWindows(env, pool);
    const diff = cmp.windows.map((w) => {
      const r = new Map(w.redis);
      const p = new Map(w.postgres);
      const bad: string[] = [];
      for (const ad of new Set([...r.keys(), ...p.keys()]))
        if (r.get(ad) !== p.get(ad)) bad.push(`${ad}:${r.get(ad)}/${p.get(ad)}`);
      return {
        window: w.window,
        mismatches: bad.length,
        sample: bad.slice(0, 5),
        topSame: same(w.redisTop, w.postgresTop),
      };
    });
    return {
      meta: await redis.hgetall(keys.meta),
      applied: await redis.hgetall(keys.applied),
      checkpoints: (await pool.query("select partition, seq, next_offset from consumer_checkpoints order by 1")).rows,
      outbox: (await pool.query("select partition, seq, length(deltas) as n from redis_outbox order by 1, 2")).rows,
      diff,
    };
  } finally {
    redis.disconnect();
  }
}
