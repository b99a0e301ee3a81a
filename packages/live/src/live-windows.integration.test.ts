// The live-window writes against a real Redis: checkpoints applied exactly once and in seq
// order, in any merge; every set equal to a brute-force sum of the cells; the tops keeping their
// contract (all ads while small, then TOP_CAP ads none of the others beats); a minute that
// leaves the kept hour taking its keys along; a rebuild from Postgres giving the same sets;
// expiries on every key.
import { MINUTE_MS, MinuteCounts } from "@adclicks/core";
import { createPool, type PgPool } from "@adclicks/db";
import { seededRandom } from "@adclicks/db/testing";
import { createTestEnv, type TestEnv } from "@adclicks/test-utils";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createRedis } from "./client";
import { applyDeltas, readLiveSet } from "./live-windows";
import { rebuildLiveWindows } from "./rebuild";
import { ALL_COUNTRIES, BUCKET_MS, keptBucketOf, MINUTES_KEPT, type RedisKeys, redisKeys, TOP_CAP } from "./redis-keys";

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
    for (const keys of [one, merged]) await redis.hset(keys.meta, { head: String(HEAD), ready: "1" });
    // One checkpoint per call, and the same checkpoints merged three at a time.
    for (const [i, counts] of all.entries()) {
      expect(await applyDeltas(redis, one, "g", [{ partition: 0, fromSeq: i + 1, toSeq: i + 1 }], counts)).toEqual({
        kind: "applied",
      });
    }
    for (let i = 0; i < all.length; i += 3) {
      const counts = new MinuteCounts();
      for (const c of all.slice(i, i + 3)) counts.mergeFrom(c);
      const range = { partition: 0, fromSeq: i + 1, toSeq: Math.min(i + 3, all.length) };
      expect(await applyDeltas(redis, merged, "g", [range], counts)).toEqual({ kind: "applied" });
    }
    const expected = expectedSets(one, all);
    const capped = await expectLiveSets(one, expected);
    expect(capped.all).toBeGreaterThan(0);
    expect(capped.country).toBeGreaterThan(0);
    await expectLiveSets(merged, expectedSets(merged, all));
    // A replay is refused with the seq Redis has; a gap too.
    const replay = await applyDeltas(redis, one, "g", [{ partition: 0, fromSeq: 5, toSeq: 5 }], all[4]!);
    expect(replay).toEqual({ kind: "mismatch", lastApplied: new Map([[0, 12]]) });
    const gap = await applyDeltas(redis, one, "g", [{ partition: 0, fromSeq: 14, toSeq: 14 }], all[0]!);
    expect(gap).toEqual({ kind: "mismatch", lastApplied: new Map([[0, 12]]) });
    await expectLiveSets(one, expected);
    // Every key of the prefix expires.
    const stored = await redis.keys(`${one.tag}:*`);
    for (const key of stored) expect([key, (await redis.pttl(key)) > 0]).toEqual([key, true]);
  });

  test("a minute that leaves the kept hour takes all its keys along, and its bucket's", async () => {
    const keys = redisKeys(`${env.redisPrefix}-drop`);
    await redis.hset(keys.meta, { head: String(HEAD), ready: "1" });
    const bucket = HEAD - (HEAD % BUCKET_MS);
    const keysOf = (t: number, kind: "minute" | "bucket") => {
      const [top, hash, countries] =
        kind === "minute"
          ? [keys.minute, keys.minuteHash, keys.minuteCountries]
          : [keys.bucket, keys.bucketHash, keys.bucketCountries];
      return [countries(t), ...[ALL_COUNTRIES, ...COUNTRIES].flatMap((c) => [top(t, c), hash(t, c)])];
    };
    const stored = async () => (await redis.keys(`${keys.tag}:*`)).sort();
    const at = (minute: number, clicks: number) => {
      const counts = new MinuteCounts();
      for (const c of COUNTRIES) counts.add(minute, c, "ad-1", clicks);
      return counts;
    };
    await applyDeltas(redis, keys, "g", [{ partition: 0, fromSeq: 1, toSeq: 1 }], at(HEAD, 2));
    const first = [...keysOf(HEAD, "minute"), ...keysOf(bucket, "bucket")];
    expect(await stored()).toEqual([...first, keys.meta, keys.applied].sort());
    // An hour later: the first minute and its bucket are out of every window.
    const later = HEAD + MINUTES_KEPT * MINUTE_MS;
    await applyDeltas(redis, keys, "g", [{ partition: 0, fromSeq: 2, toSeq: 2 }], at(later, 1));
    const now = [...keysOf(later, "minute"), ...keysOf(later - (later % BUCKET_MS), "bucket")];
    expect(await stored()).toEqual([...now, keys.meta, keys.applied].sort());
    expect(await readLiveSet(redis, keys, "minute", later, "US")).toEqual(new Map([["ad-1", 1]]));
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
    const r = await rebuildLiveWindows(pool, redis, keys, "g");
    expect(r).toMatchObject({ rebuilt: true, rows: rows.length, head: HEAD });
    expect((await expectLiveSets(keys, expectedSets(keys, all))).country).toBeGreaterThan(0);
    expect(await redis.hget(keys.applied, "g:0")).toBe("8");
    // No scratch set is left behind, and every key expires.
    expect(await redis.keys(`${keys.tag}:rb:*`)).toEqual([]);
    for (const key of await redis.keys(`${keys.tag}:*`))
      expect([key, (await redis.pttl(key)) > 0]).toEqual([key, true]);
  });
});
