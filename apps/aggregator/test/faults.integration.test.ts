// The aggregator under failure: SIGKILL at random moments, a worker dying in a two-worker
// group, Redis losing everything, Postgres restarting. After each, the rollups equal the
// ground truth exactly and the Redis live windows equal the rollups.
import { MINUTE_MS } from "@adclicks/core";
import { createPool } from "@adclicks/db";
import { createRng } from "@adclicks/generator";
import { createRedis, redisKeys } from "@adclicks/live";
import {
  createTestEnv,
  type PrivatePostgres,
  type PrivateRedis,
  startPrivatePostgres,
  startPrivateRedis,
  type TestEnv,
  waitFor,
} from "@adclicks/test-utils";
import type pg from "pg";
import { expect, test } from "vitest";
import { makeTraffic, type Traffic } from "./events";
import {
  checkpointedOffsets,
  compareLiveWindows,
  hourlyDrift,
  liveWindowsMatch,
  produce,
  redisDiagnostics,
  rollupCells,
  spawnWorker,
  type WorkerProcess,
} from "./harness";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function traffic(seed: number, count: number): Traffic {
  return makeTraffic({
    count,
    seed,
    startMs: Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 15 * MINUTE_MS,
    spanMs: 5 * MINUTE_MS,
    duplicateRatio: 0.05,
    outOfOrderRatio: 0.05,
    lateRatio: 0.01,
    malformedRatio: 0.01,
  });
}

async function waitForProgress(pool: pg.Pool, group: string, total: number): Promise<number> {
  const before = await checkpointedOffsets(pool, group);
  return waitFor(
    "checkpoint progress",
    async () => {
      const now = await checkpointedOffsets(pool, group);
      return (now > before || now === total) && now;
    },
    { timeoutMs: 90_000, intervalMs: 100 },
  );
}

/** Waits until every record is checkpointed, then checks exact counts and live windows. */
async function expectExact(env: TestEnv, pool: pg.Pool, t: Traffic, workers: WorkerProcess[] = []) {
  const group = `agg-${env.id}`;
  const logs = () =>
    workers.map((w) => ({
      exit: w.proc.exitCode,
      signal: w.proc.signalCode,
      log: w.output
        .join("")
        .split("\n")
        .filter((l) => !l.includes('"msg":"checkpoint"'))
        .slice(-25),
    }));
  // Well inside the test's own timeout, so a stall fails with the workers' logs, not silently.
  await waitFor(
    "every record checkpointed",
    async () => (await checkpointedOffsets(pool, group)) === t.messages.length,
    { timeoutMs: 150_000, intervalMs: 250 },
  ).catch((err) => {
    throw new Error(`${String(err)}\n${JSON.stringify(logs())}`);
  });
  expect(await rollupCells(pool)).toEqual(t.truth);
  expect(await hourlyDrift(pool)).toEqual([]);
  const live = await waitFor(
    "redis windows equal the rollups",
    async () => {
      const c = await compareLiveWindows(env, pool);
      return liveWindowsMatch(c) && c;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  ).catch(async (err) => {
    throw new Error(`${String(err)}\n${JSON.stringify(await redisDiagnostics(env, pool))}\n${JSON.stringify(logs())}`);
  });
  expect(live.windows.at(-1)!.redis.length).toBeGreaterThan(50);
}

async function withEnv(
  label: string,
  opts: { privatePostgres?: boolean; privateRedis?: boolean },
  body: (env: TestEnv, pool: pg.Pool, servers: { pg?: PrivatePostgres; redis?: PrivateRedis }) => Promise<void>,
) {
  const servers: { pg?: PrivatePostgres; redis?: PrivateRedis } = {};
  if (opts.privatePostgres) servers.pg = await startPrivatePostgres();
  if (opts.privateRedis) servers.redis = await startPrivateRedis();
  const env = await createTestEnv(label, {
    partitions: 4,
    baseDatabaseUrl: servers.pg?.url,
    redisUrl: servers.redis?.url,
  });
  const pool = createPool(env.databaseUrl, 2);
  try {
    await body(env, pool, servers);
  } finally {
    await pool.end();
    await env.cleanup();
    await servers.redis?.stop();
    servers.pg?.destroy();
  }
}

test("SIGKILL at five random moments while consuming, restarted each time: exact counts", async () => {
  await withEnv("agg-kill", {}, async (env, pool) => {
    const t = traffic(7, 120_000);
    const group = `agg-${env.id}`;
    const producing = produce(env, t.messages, 1_000, 150);
    const rand = createRng(99);
    let worker: WorkerProcess = spawnWorker(env);
    let kills = 0;
    try {
      for (; kills < 5; kills++) {
        await waitForProgress(pool, group, t.messages.length);
        await sleep(rand.next() * 600);
        expect(await worker.kill("SIGKILL")).toBeNull();
        worker = spawnWorker(env);
      }
      await producing;
      await expectExact(env, pool, t, [worker]);
      expect(kills).toBe(5);
    } finally {
      await worker.kill();
    }
  });
});

test("two workers, one SIGKILLed mid-stream: the other takes over, exact counts", async () => {
  await withEnv("agg-rebalance", {}, async (env, pool) => {
    const t = traffic(8, 100_000);
    const group = `agg-${env.id}`;
    const producing = produce(env, t.messages, 1_000, 120);
    const a = spawnWorker(env);
    const b = spawnWorker(env);
    try {
      await waitFor(
        "both workers checkpointing all partitions",
        async () => {
          const r = await pool.query("select count(*)::int as n from consumer_checkpoints where consumer = $1", [
            group,
          ]);
          return r.rows[0].n === 4;
        },
        { timeoutMs: 60_000 },
      );
      await waitForProgress(pool, group, t.messages.length);
      expect(await a.kill("SIGKILL")).toBeNull();
      await producing;
      await expectExact(env, pool, t);
    } finally {
      await a.kill();
      await b.kill();
    }
  });
});

test("Redis FLUSHALL mid-stream: live windows are rebuilt from Postgres and stay exact", async () => {
  await withEnv("agg-flush", { privateRedis: true }, async (env, pool, servers) => {
    const t = traffic(9, 80_000);
    const group = `agg-${env.id}`;
    const producing = produce(env, t.messages, 1_000, 120);
    const worker = spawnWorker(env);
    const redis = createRedis(servers.redis!.url);
    try {
      await waitForProgress(pool, group, t.messages.length);
      await waitForProgress(pool, group, t.messages.length);
      await redis.flushall();
      await producing;
      await expectExact(env, pool, t);
      expect(Number(await redis.hget(redisKeys(env.redisPrefix).meta, "rebuilt_at"))).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
      await worker.kill();
    }
  });
});

test("Postgres restarted mid-stream: the worker waits, resumes, exact counts", async () => {
  await withEnv("agg-pgrestart", { privatePostgres: true }, async (env, pool, servers) => {
    const t = traffic(10, 80_000);
    const group = `agg-${env.id}`;
    const producing = produce(env, t.messages, 1_000, 120);
    const worker = spawnWorker(env);
    try {
      await waitForProgress(pool, group, t.messages.length);
      servers.pg!.stop();
      await sleep(3_000);
      servers.pg!.start();
      await producing;
      await expectExact(env, pool, t, [worker]);
      expect(worker.proc.exitCode).toBeNull();
    } finally {
      await worker.kill();
    }
  });
});
