// commitCheckpoint against a real Postgres: the rollup upsert's array literals (written by hand,
// not by pg) must land every cell as counted — summed across partitions, added to what is
// stored, odd ad ids intact — and cells of a final minute must be recorded as late corrections.
import { MinuteCounts, type PartitionPlan } from "@adclicks/core";
import { createTestEnv, type TestEnv } from "@adclicks/test-utils";
import { afterAll, beforeAll, expect, test } from "vitest";
import { commitCheckpoint } from "./checkpoints";
import { createPool } from "./client";

const M0 = Date.UTC(2026, 11, 1, 10, 0);
const M1 = M0 + 60_000;

let env: TestEnv;
let pool: ReturnType<typeof createPool>;

beforeAll(async () => {
  env = await createTestEnv("checkpoints");
  pool = createPool(env.databaseUrl, 2);
});

afterAll(async () => {
  await pool.end();
  await env.cleanup();
});

function partition(p: number, seq: number, counts: MinuteCounts): PartitionPlan {
  return {
    partition: p,
    prevNextOffset: (seq - 1) * 10,
    prevSeq: seq - 1,
    nextOffset: seq * 10,
    seq,
    maxEventMs: M1,
    dedupFromOffset: 0,
    counts,
    late: new MinuteCounts(),
  };
}

function commit(seq: number, parts: MinuteCounts[], finalBefore?: number) {
  return commitCheckpoint(pool, {
    consumer: "c",
    topic: "t",
    plan: {
      partitions: parts.map((counts, p) => partition(p, seq, counts)),
      watermark: undefined,
      finalBefore,
      fired: [],
    },
    appliedOutbox: [],
  });
}

async function rollups(): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ ad_id: string; ms: number; country: string; clicks: number }>(
    `select ad_id, (extract(epoch from minute) * 1000)::bigint as ms, country, clicks::int as clicks
       from click_rollups`,
  );
  return Object.fromEntries(rows.map((r) => [`${r.ad_id}|${Number(r.ms) - M0}|${r.country}`, r.clicks]));
}

test("cells are summed across partitions and onto stored counts; ids that look like NULL or hold quotes stay ids", async () => {
  const a = new MinuteCounts();
  a.add(M0, "US", "ad-1", 3);
  a.add(M0, "US", "NULL", 1);
  a.add(M0, "GB", "ad-1", 2);
  a.add(M1, "US", 'odd"id\\x', 4);
  const b = new MinuteCounts();
  b.add(M0, "US", "ad-1", 5); // the same cell from another partition (a hot or unkeyed ad)
  b.add(M0, "US", "ad-0", 1);
  await commit(1, [a, b]);
  expect(await rollups()).toEqual({
    "ad-0|0|US": 1,
    "ad-1|0|US": 8,
    "NULL|0|US": 1,
    "ad-1|0|GB": 2,
    'odd"id\\x|60000|US': 4,
  });

  const again = new MinuteCounts();
  again.add(M0, "US", "ad-1", 1);
  again.add(M1, "DE", "ad-9", 7);
  await commit(2, [again, new MinuteCounts()]);
  const after = await rollups();
  expect(after["ad-1|0|US"]).toBe(9);
  expect(after["ad-9|60000|DE"]).toBe(7);
  expect(Object.keys(after)).toHaveLength(6);
});

test("cells of a minute already final are counted and recorded as late corrections", async () => {
  const closing = new MinuteCounts();
  closing.add(M1, "US", "ad-1", 1);
  const result = await commit(3, [closing, new MinuteCounts()], M1 + 60_000);
  expect(result.finalized).toEqual([M0, M1]);

  const late = new MinuteCounts();
  late.add(M0, "FR", "ad-5", 2);
  late.add(M1, "US", "ad-1", 3);
  await commit(4, [late, new MinuteCounts()]);
  const { rows } = await pool.query<{ ad_id: string; country: string; clicks: number }>(
    "select ad_id, country, clicks::int as clicks from late_events order by ad_id",
  );
  expect(rows).toEqual([
    { ad_id: "ad-1", country: "US", clicks: 3 },
    { ad_id: "ad-5", country: "FR", clicks: 2 },
  ]);
  const status = await pool.query<{ late: number; republish: boolean }>(
    "select sum(late_clicks)::int as late, bool_and(needs_republish) as republish from minute_status",
  );
  expect(status.rows[0]).toEqual({ late: 5, republish: true });
  expect((await rollups())["ad-1|60000|US"]).toBe(1 + 3);
});
