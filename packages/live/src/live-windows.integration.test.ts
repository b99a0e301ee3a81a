// The live-window writes against a real Redis: checkpoints applied exactly once and in seq
// order, in any merge; every set equal to a brute-force sum of the cells; the tops keeping their
// contract (all ads while small, then TOP_CAP ads none of the others beats); the kept range
// following the writer's clock, not the data (clicks stamped ahead drop nothing; a minute the
// clock leaves behind takes its keys along); a rebuild from Postgres giving the same sets, those
// ahead of the clock included; expiries on every key.
import { MINUTE_MS, MinuteCounts } from "@adclicks/core";
import { createPool, type PgPool } from "@adclicks/db";
import { seededRandom } from "@adclicks/db/testing";
import { createTestEnv, type TestEnv } from "@adclicks/test-utils";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createRedis } from "./client";
import { applyDeltas, readLiveSet } from "./live-windows";
import { rebuildLiveWindows } from "./rebuild";
import {
  ALL_COUNTRIES,
  BUCKET_MS,
  KEPT_MARGIN_MINUTES,
  keptBucketOf,
  MINUTES_KEPT,
  type RedisKeys,
  redisKeys,
  TOP_CAP,
} from "./redis-keys";

/** The newest minute of the checkpoints, and the writers' clock (as if they ran then). */
const HEAD = Date.UTC(2026, 0, 5, 12, 3);
const MINUTES = 7;
const COUNTRIES = ["US", "DE", "JP", "BR"];
/** Half the clicks are from the US: enough ads in its minutes to cap their tops too. */
const countryOf = (r: number) => (r < 0.5 ? "US" : COUNTRIES[1 + Math.floor((r - 0.5) * 6)]!);

let env: TestEnv;
let redis: Redis;
let pool: PgPool;

beforeAll(async () => {
  env = await createTestEnv("live-windows");
  redis = createRedis(env.redisUrl);
  pool = createPool(env.databaseUrl, 2);
});

afterAll(async () => {
  const ours = await redis.keys(`{${env.redisPrefix}-*`);
  if (ours.length > 0) await redis.unlink(...ours);
  redis.disconnect();
  await pool.end();
  await env.cleanup();
});

/** Checkpoints of skewed clicks over MINUTES minutes: more ads than a top holds. */
function checkpoints(seed: number, count: number): MinuteCounts[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const counts = new MinuteCounts();
    for (let i = 0; i < 8_000; i++) {
      const minute = HEAD - Math.floor(rnd() * MINUTES) * MINUTE_MS;
      const rank = Math.floor(rnd() < 0.5 ? 30_000 * rnd() : 30_000 ** rnd()) - 1;
      counts.add(minute, countryOf(rnd()), `ad-${rank}`, 1 + Math.floor(rnd() * 3));
    }
    return counts;
  });
}

/** Brute force: every live set's (ad → clicks), by its hash key. */
function expectedSets(keys: RedisKeys, all: MinuteCounts[]): Map<string, Map<string, number>> {
  const sets = new Map<string, Map<string, number>>();
  const bump = (key: string, ad: string, n: number) => {
    const set = sets.get(key) ?? new Map<string, number>();
    set.set(ad, (set.get(ad) ?? 0) + n);
    sets.set(key, set);
  };
  for (const counts of all)
    for (const d of counts.deltas())
      for (const c of [d.country, ALL_COUNTRIES]) {
        bump(keys.minuteHash(d.minute, c), d.adId, d.clicks);
        const b = keptBucketOf(d.minute, HEAD);
        if (b !== null) bump(keys.bucketHash(b, c), d.adId, d.clicks);
      }
  return sets;
}

const MINUTE_LIST = Array.from({ length: MINUTES }, (_, i) => HEAD - i * MINUTE_MS);
const BUCKET_LIST = [...new Set(MINUTE_LIST.map((m) => m - (m % BUCKET_MS)))];

/**
 * Redis holds exactly the brute-force sets, and each top keeps its contract; the number of
 * capped tops, for all countries and for one.
 */
async function expectLiveSets(keys: RedisKeys, expected: Map<string, Map<string, number>>) {
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const capped = { all: 0, country: 0 };
  for (const [kind, list] of [
    ["minute", MINUTE_LIST],
    ["bucket", BUCKET_LIST],
  ] as const) {
    for (const t of list) {
      for (const c of [ALL_COUNTRIES, ...COUNTRIES]) {
        const hashKey = kind === "minute" ? keys.minuteHash(t, c) : keys.bucketHash(t, c);
        const all = await readLiveSet(redis, keys, kind, t, c);
        expect([hashKey, sorted(all)]).toEqual([hashKey, sorted(expected.get(hashKey) ?? new Map())]);
        const raw = await redis.zrange(
          kind === "minute" ? keys.minute(t, c) : keys.bucket(t, c),
          "0",
          "-1",
          "WITHSCORES",
        );
        const top = new Map<string, number>();
        for (let i = 0; i < raw.length; i += 2) top.set(raw[i]!, Number(raw[i + 1]));
        expect([hashKey, [...top].filter(([ad, n]) => all.get(ad) !== n)]).toEqual([hashKey, []]);
        if (all.size < TOP_CAP) {
          expect(top.size).toBe(all.size);
        } else {
          capped[c === ALL_COUNTRIES ? "all" : "country"]++;
          expect(top.size).toBe(TOP_CAP);
          const lowest = Math.min(...top.values());
          const outside = [...all].filter(([ad]) => !top.has(ad)).map(([, n]) => n);
          expect(Math.max(...outside)).toBeLessThanOrEqual(lowest);
        }
      }
    }
  }
  return capped;
}

describe("applying checkpoints", () => {
  test("each set is the sum of its cells; tops hold their contract; merged applies change nothing", async () => {
    const all = checkpoints(1, 12);
    const one = redisKeys(`${env.redisPrefix}-one`);
    const merged = redisKeys(`${env.redisPrefix}-merged`);
    for (const keys of [one, merged]) await redis.hset(keys.meta, { ready: "1" });
    // One checkpoint per call, and the same checkpoints merged three at a time.
    for (const [i, counts] of all.entries()) {
      const range = { partition: 0, fromSeq: i + 1, toSeq: i + 1 };
      expect(await applyDeltas(redis, one, "g", [range], counts, HEAD)).toEqual({ kind: "applied" });
    }
    for (let i = 0; i < all.length; i += 3) {
      const counts = new MinuteCounts();
      for (const c of all.slice(i, i + 3)) counts.mergeFrom(c);
      const range = { partition: 0, fromSeq: i + 1, toSeq: Math.min(i + 3, all.length) };
      expect(await applyDeltas(redis, merged, "g", [range], counts, HEAD)).toEqual({ kind: "applied" });
    }
    const expected = expectedSets(one, all);
    const capped = await expectLiveSets(one, expected);
    expect(capped.all).toBeGreaterThan(0);
    expect(capped.country).toBeGreaterThan(0);
    await expectLiveSets(merged, expectedSets(merged, all));
    // A replay is refused with the seq Redis has; a gap too.
    const replay = await applyDeltas(redis, one, "g", [{ partition: 0, fromSeq: 5, toSeq: 5 }], all[4]!, HEAD);
    expect(replay).toEqual({ kind: "mismatch", lastApplied: new Map([[0, 12]]) });
    const gap = await applyDeltas(redis, one, "g", [{ partition: 0, fromSeq: 14, toSeq: 14 }], all[0]!, HEAD);
    expect(gap).toEqual({ kind: "mismatch", lastApplied: new Map([[0, 12]]) });
    await expectLiveSets(one, expected);
    // Every key of the prefix expires.
    const stored = await redis.keys(`${one.tag}:*`);
    for (const key of stored) expect([key, (await redis.pttl(key)) > 0]).toEqual([key, true]);
  });

  test("the kept range follows the clock: clicks stamped ahead drop nothing; a minute the clock leaves takes its keys", async () => {
    const keys = redisKeys(`${env.redisPrefix}-drop`);
    await redis.hset(keys.meta, { ready: "1" });
    const bucketOf = (m: number) => m - (m % BUCKET_MS);
    const keysOf = (t: number, kind: "minute" | "bucket") => {
      const [top, hash, countries] =
        kind === "minute"
          ? [keys.minute, keys.minuteHash, keys.minuteCountries]
          : [keys.bucket, keys.bucketHash, keys.bucketCountries];
      return [countries(t), ...[ALL_COUNTRIES, ...COUNTRIES].flatMap((c) => [top(t, c), hash(t, c)])];
    };
    const setsOf = (m: number) => [...keysOf(m, "minute"), ...keysOf(bucketOf(m), "bucket")];
    const stored = async () => (await redis.keys(`${keys.tag}:*`)).sort();
    let seq = 0;
    const apply = (minute: number | null, clicks: number, nowMs: number) => {
      const counts = new MinuteCounts();
      if (minute !== null) for (const c of COUNTRIES) counts.add(minute, c, "ad-1", clicks);
      seq++;
      return applyDeltas(redis, keys, "g", [{ partition: 0, fromSeq: seq, toSeq: seq }], counts, nowMs);
    };
    await apply(HEAD, 2, HEAD);
    expect(await stored()).toEqual([...setsOf(HEAD), keys.meta, keys.applied].sort());
    // Records a producer stamped two hours ahead: kept for when the clock gets there; they move
    // no window and drop nothing (the kept range follows the clock, not the newest data).
    const ahead = HEAD + 120 * MINUTE_MS;
    await apply(ahead, 3, HEAD);
    expect(await stored()).toEqual([...setsOf(HEAD), ...setsOf(ahead), keys.meta, keys.applied].sort());
    expect(await redis.hmget(keys.meta, "head", "clock")).toEqual([String(ahead), String(HEAD)]);
    // An hour on, the minute is still kept (the margin for readers whose clock lags) ...
    await apply(null, 0, HEAD + MINUTES_KEPT * MINUTE_MS);
    expect(await readLiveSet(redis, keys, "minute", HEAD, "US")).toEqual(new Map([["ad-1", 2]]));
    // ... and once the clock leaves it behind, it goes with its bucket; the one ahead stays.
    const later = HEAD + (MINUTES_KEPT + KEPT_MARGIN_MINUTES) * MINUTE_MS;
    await apply(later, 1, later);
    expect(await stored()).toEqual([...setsOf(later), ...setsOf(ahead), keys.meta, keys.applied].sort());
    expect(await readLiveSet(redis, keys, "minute", later, "US")).toEqual(new Map([["ad-1", 1]]));
    // A cell for a minute the clock has left behind is ignored.
    await apply(HEAD, 5, later);
    expect(await readLiveSet(redis, keys, "minute", HEAD, "US")).toEqual(new Map());
  });

  test("a rebuild from Postgres gives the same sets", async () => {
    const all = checkpoints(2, 8);
    const keys = redisKeys(`${env.redisPrefix}-rebuilt`);
    const counts = new MinuteCounts();
    for (const c of all) counts.mergeFrom(c);
    const rows = [...counts.deltas()];
    await pool.query(
      `insert into click_rollups (ad_id, minute, country, clicks)
       select a, to_timestamp(m / 1000.0), c, n from unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) as u(a, m, c, n)`,
      [rows.map((r) => r.adId), rows.map((r) => r.minute), rows.map((r) => r.country), rows.map((r) => r.clicks)],
    );
    await pool.query(
      "insert into consumer_checkpoints (consumer, topic, partition, next_offset, seq, max_event_ms, dedup_from_offset) values ('g', 't', 0, 10, 8, 0, 0)",
    );
    // One minute the clock has left behind (not rebuilt), one three hours ahead of it (rebuilt).
    const ahead = HEAD + 180 * MINUTE_MS;
    await pool.query(
      `insert into click_rollups (ad_id, minute, country, clicks) values
       ('ad-old', to_timestamp($1 / 1000.0), 'US', 4), ('ad-ahead', to_timestamp($2 / 1000.0), 'US', 6)`,
      [HEAD - 90 * MINUTE_MS, ahead],
    );
    const r = await rebuildLiveWindows(pool, redis, keys, "g", HEAD);
    expect(r).toMatchObject({ rebuilt: true, rows: rows.length + 1, head: ahead });
    expect((await expectLiveSets(keys, expectedSets(keys, all))).country).toBeGreaterThan(0);
    expect(await readLiveSet(redis, keys, "minute", ahead)).toEqual(new Map([["ad-ahead", 6]]));
    expect(await redis.keys(`${keys.tag}:*:${HEAD - 90 * MINUTE_MS}:*`)).toEqual([]);
    expect(await redis.hmget(keys.meta, "head", "clock", "ready")).toEqual([String(ahead), String(HEAD), "1"]);
    expect(await redis.hget(keys.applied, "g:0")).toBe("8");
    // No scratch set is left behind, and every key expires.
    expect(await redis.keys(`${keys.tag}:rb:*`)).toEqual([]);
    for (const key of await redis.keys(`${keys.tag}:*`))
      expect([key, (await redis.pttl(key)) > 0]).toEqual([key, true]);
  });
});
