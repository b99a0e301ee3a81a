// The raw archive against real Kafka and Postgres: the archiver process is SIGKILLed twice
// mid-stream and restarted; afterwards raw_clicks holds exactly the ground truth per
// (ad, minute, country): no click lost, none twice (duplicates, retries and replays included).
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createPool } from "@adclicks/db";
import { ClickFactory, createRng, DEFAULT_TRAFFIC, GroundTruth, truthKey } from "@adclicks/generator";
import { createIdempotentProducer, type Producer } from "@adclicks/kafka";
import { ChildProcesses, createTestEnv, exited, type TestEnv, waitFor } from "@adclicks/test-utils";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
let env: TestEnv;
let pool: pg.Pool;
let producer: Producer;
const children = new ChildProcesses();

beforeAll(async () => {
  env = await createTestEnv("rawarchive");
  pool = createPool(env.databaseUrl, 2);
  producer = createIdempotentProducer(env.kafka);
  await producer.connect();
});
afterAll(async () => {
  children.killAll();
  await producer?.disconnect();
  await pool?.end();
  await env?.cleanup();
});

const startArchiver = (): ChildProcess =>
  children.tsx(MAIN, [], {
    env: env.childEnv({ ARCHIVER_ROLES: "raw-archive", ARCHIVER_PORT: "0", LOG_LEVEL: "warn" }),
  });

async function kill(child: ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await exited(child);
}

const rowCount = async () => (await pool.query<{ n: number }>("select count(*)::int as n from raw_clicks")).rows[0]!.n;

test("SIGKILL mid-stream (twice): rows per (ad, minute, country) equal the ground truth", async () => {
  const factory = new ClickFactory(createRng("raw-archive"), {
    ...DEFAULT_TRAFFIC,
    adCount: 300,
    users: 2_000,
    duplicateRatio: 0.05,
    lateRatio: 0.05,
    malformedRatio: 0.02,
  });
  const truth = new GroundTruth();
  let produced = 0;
  const produce = async (n: number) => {
    const events = Array.from({ length: n }, () => factory.next(Date.now()));
    await producer.sendBatch({
      acks: -1,
      topicMessages: [{ topic: env.topics.clicks, messages: events.map((e) => ({ key: e.key, value: e.line })) }],
    });
    for (const e of events) truth.record(e);
    produced += n;
  };

  await produce(4_000);
  let archiver = startArchiver();
  for (const round of [1, 2]) {
    const before = await rowCount();
    await produce(4_000);
    await waitFor(`round ${round}: the archiver to write rows`, async () => (await rowCount()) > before, {
      timeoutMs: 60_000,
    });
    await produce(3_000); // still streaming when the kill lands
    await kill(archiver);
    expect(await rowCount()).toBeLessThan(truth.clicks);
    await produce(3_000);
    archiver = startArchiver();
  }
  await produce(4_000);
  await waitFor("every valid distinct click archived", async () => (await rowCount()) === truth.clicks, {
    timeoutMs: 90_000,
    intervalMs: 250,
  });

  const { rows } = await pool.query<{ ad_id: string; m: number; country: string; n: number }>(
    `select ad_id, (extract(epoch from date_trunc('minute', ts)) * 1000)::bigint as m, country, count(*)::int as n
       from raw_clicks group by 1, 2, 3`,
  );
  const got = new Map(rows.map((r) => [truthKey(r.ad_id, r.m, r.country), r.n]));
  expect(got).toEqual(new Map(truth.asMap()));
  expect(truth.totals.duplicate).toBeGreaterThan(500);

  // The checkpoints cover every message produced, and name the right consumer.
  const cp = await pool.query<{ n: number }>(
    "select coalesce(sum(next_offset), 0)::int as n from consumer_checkpoints where consumer = 'raw-archive' and topic = $1",
    [env.topics.clicks],
  );
  expect(cp.rows[0]!.n).toBe(produced);
  archiver.kill("SIGTERM");
});
