// commitCheckpoint against a real Postgres: the rollup upsert's array literals (written by hand,
// not by pg) must land every cell as counted — summed across partitions, added to what is
// stored, odd ad ids intact — cells of a final minute must be recorded as late corrections, and
// the hourly rollups must stay the minute rollups summed by hour, whatever commits or fails.
import { MinuteCounts, type PartitionPlan } from "@adclicks/core";
import { createTestEnv, type TestEnv } from "@adclicks/test-utils";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CheckpointFencedError, commitCheckpoint } from "./checkpoints";
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

function commit(seq: number, parts: MinuteCounts[], finalBefore?: number, prevSeq = seq - 1) {
  return commitCheckpoint(pool, {
    consumer: "c",
    topic: "t",
    plan: {
      partitions: parts.map((counts, p) => ({ ...partition(p, seq, counts), prevSeq })),
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

/** Rows where an hourly table differs from the minute rollups summed by hour (none when consistent). */
async function hourlyMismatches(): Promise<unknown[]> {
  const { rows } = await pool.query(
    `with m as (select ad_id, date_trunc('hour', minute, 'UTC') as hour, country, sum(clicks)::bigint as n
                  from click_rollups group by 1, 2, 3),
          a as (select ad_id, hour, sum(n)::bigint as n from m group by 1, 2)
     select 'country' as t, * from (
       (select ad_id, hour, country, n from m except select ad_id, hour, country, clicks from click_rollups_hourly)
       union all
       (select ad_id, hour, country, clicks from click_rollups_hourly except select ad_id, hour, country, n from m)) x
     union all
     select 'ad', ad_id, hour, null, n from (
       (select ad_id, hour, n from a except select ad_id, hour, clicks from ad_clicks_hourly)
       union all
       (select ad_id, hour, clicks from ad_clicks_hourly except select ad_id, hour, n from a)) y`,
  );
  return rows;
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
  expect(await hourlyMismatches()).toEqual([]);
  const hourly = await pool.query("select clicks::int as n from ad_clicks_hourly where ad_id = 'ad-1'");
  expect(hourly.rows).toEqual([{ n: 9 + 2 }]);
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
  expect(await hourlyMismatches()).toEqual([]);
});

test("hourly rollups: random cells across hour edges, late ones included, equal the minute rollups by hour; a fenced commit adds to neither", async () => {
  let x = 7;
  const rnd = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  // Minutes from 09:50 to 12:10: three hour edges, some minutes already final (late cells).
  const start = M0 - 10 * 60_000;
  for (let seq = 5; seq < 15; seq++) {
    const parts = [new MinuteCounts(), new MinuteCounts()];
    for (let i = 0; i < 200; i++) {
      const part = parts[rnd(2)]!;
      part.add(start + rnd(140) * 60_000, ["US", "GB", "DE"][rnd(3)]!, `ad-${rnd(30)}`, 1 + rnd(4));
    }
    await commit(seq, parts, seq === 8 ? start + 50 * 60_000 : undefined);
  }
  expect(await hourlyMismatches()).toEqual([]);
  const before = await pool.query("select sum(clicks)::int as n from ad_clicks_hourly");
  const stale = new MinuteCounts();
  stale.add(M0, "US", "ad-1", 100);
  await expect(commit(15, [stale, new MinuteCounts()], undefined, 3)).rejects.toBeInstanceOf(CheckpointFencedError);
  expect((await pool.query("select sum(clicks)::int as n from ad_clicks_hourly")).rows).toEqual(before.rows);
  expect(await hourlyMismatches()).toEqual([]);
});
