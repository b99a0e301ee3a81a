// The dead-letter archive and retention against real Kafka and Postgres: dead letters become
// queryable rows exactly once across a restart (checkpoint in the same transaction), raw-click
// retention drops only partitions past it, and dead-letter retention deletes only rows past its own.
import { createPool } from "@adclicks/db";
import { createIdempotentProducer, deadLetterMessage } from "@adclicks/kafka";
import { createTestEnv, type TestEnv, waitFor } from "@adclicks/test-utils";
import type pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startDeadLetterArchive } from "./dead-letter-archive";
import { HOUR_MS, hourOf, partitionName } from "./partitions";
import { PartitionMaker } from "./raw-archive";
import { deleteExpiredDeadLetters, dropExpiredPartitions } from "./retention";

let env: TestEnv;
let pool: pg.Pool;
const logger = pino({ level: "silent" });

beforeAll(async () => {
  env = await createTestEnv("dlqarchive");
  pool = createPool(env.databaseUrl, 4);
});
afterAll(async () => {
  await pool?.end();
  await env?.cleanup();
});

const count = async () => (await pool.query<{ n: number }>("select count(*)::int as n from dead_letters")).rows[0]!.n;

test("dead letters are stored with reason, source, first seen and a bounded payload, exactly once across a restart", async () => {
  const producer = createIdempotentProducer(env.kafka);
  await producer.connect();
  const rejectedAt = Date.UTC(2025, 0, 1, 12);
  const letters = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) =>
      deadLetterMessage({
        reason: i % 2 ? "bad_ip" : "malformed_json",
        source: `shipper:/var/log/a.log:${from + i}`,
        payload: `{"x":${from + i}}${"p".repeat(i === 0 ? 20_000 : 0)}`,
        rejectedAt,
      }),
    );
  await producer.send({ topic: env.topics.deadLetters, acks: -1, messages: [...letters(1, 300), { value: "junk" }] });

  const start = () =>
    startDeadLetterArchive({ kafka: env.kafka, pool, logger, topic: env.topics.deadLetters, maxPayload: 1000 });
  let archive = await start();
  await waitFor("the first dead letters stored", async () => (await count()) === 301, { timeoutMs: 60_000 });
  await archive.stop();

  await producer.send({ topic: env.topics.deadLetters, acks: -1, messages: letters(1_000, 200) });
  archive = await start();
  await waitFor("the later dead letters stored", async () => (await count()) >= 501, { timeoutMs: 60_000 });
  await archive.stop();
  await producer.disconnect();
  expect(await count()).toBe(501);

  const { rows } = await pool.query<{ reason: string; source: string; len: number; first_ms: number }>(
    `select reason, source, length(payload)::int as len, (extract(epoch from first_seen) * 1000)::bigint as first_ms
       from dead_letters order by id`,
  );
  expect(rows.find((r) => r.source.endsWith("a.log:1"))).toEqual({
    reason: "malformed_json",
    source: "shipper:/var/log/a.log:1",
    len: 1000,
    first_ms: rejectedAt,
  });
  expect(rows.filter((r) => r.reason === "unreadable_dead_letter")).toHaveLength(1);
  expect(new Set(rows.map((r) => r.source)).size).toBe(501);
});

test("retention drops the partitions past it and keeps the rest", async () => {
  const now = Date.now();
  const maker = new PartitionMaker(pool);
  const hours = [now - 50 * HOUR_MS, now - 30 * HOUR_MS, now - 23 * HOUR_MS, now].map(hourOf);
  await maker.ensure(hours);
  await maker.ensure(hours); // idempotent
  const dropped = await dropExpiredPartitions(pool, now, 24 * HOUR_MS);
  expect(dropped.sort()).toEqual([partitionName(hours[0]!), partitionName(hours[1]!)].sort());
  const { rows } = await pool.query<{ name: string }>(
    "select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = 'raw_clicks'",
  );
  expect(rows.map((r) => r.name).sort()).toEqual([partitionName(hours[2]!), partitionName(hours[3]!)].sort());
});

test("dead-letter retention deletes what is past it, in batches, and keeps the rest", async () => {
  await pool.query("delete from dead_letters");
  const now = Date.now();
  // 2,500 rows a day past a 24 h retention, 30 inside it (one just inside the edge).
  await pool.query(
    `insert into dead_letters (reason, source, payload, first_seen)
     select 'malformed_json', 'old', g::text, to_timestamp(($1::bigint - 48 * 3600000 + g) / 1000.0)
       from generate_series(1, 2500) g`,
    [now],
  );
  await pool.query(
    `insert into dead_letters (reason, source, payload, first_seen)
     select 'bad_ip', 'kept', g::text, to_timestamp(($1::bigint - 24 * 3600000 + 60000 + g) / 1000.0)
       from generate_series(1, 30) g`,
    [now],
  );
  // Two statements of 1,000 per call: the first call leaves 500 for the next.
  expect(await deleteExpiredDeadLetters(pool, now, 24 * HOUR_MS, { batch: 1_000, maxBatches: 2 })).toBe(2_000);
  expect(await deleteExpiredDeadLetters(pool, now, 24 * HOUR_MS, { batch: 1_000, maxBatches: 2 })).toBe(500);
  expect(await deleteExpiredDeadLetters(pool, now, 24 * HOUR_MS)).toBe(0);
  const { rows } = await pool.query<{ source: string; n: number }>(
    "select source, count(*)::int as n from dead_letters group by source",
  );
  expect(rows).toEqual([{ source: "kept", n: 30 }]);
});
