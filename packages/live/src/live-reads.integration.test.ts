// The live-window reads against a real Redis: exact top N over M minute sets by the threshold
// algorithm (skewed and flat traffic, ties at the cut, capped tops, the union fallback) and
// per-ad counts, each compared with a brute-force sum of the rows that were written; windows
// ending with the reader's clock, with minutes after their end in the store (never counted).
import { type AdCount, topN } from "@adclicks/core";
import { type RollupRow, seededRandom } from "@adclicks/db/testing";
import { createTestEnv, type TestEnv } from "@adclicks/test-utils";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createRedis } from "./client";
import { readLiveCounts, readLiveTopN } from "./live-reads";
import { keptFrom, MINUTE_MS, type RedisKeys, redisKeys, TOP_CAP } from "./redis-keys";
import { writeLiveWindows } from "./testing";

const HEAD = Date.UTC(2026, 0, 5, 12, 3); // not on a bucket boundary: the head bucket is partial
/** A window of the last `minutes` minutes at the clock minute `endMs` (HEAD unless said). */
const win = (minutes: number, country: string | undefined, endMs = HEAD) => ({ endMs, minutes, country });
const COUNTRIES = ["US", "DE", "JP"];

let env: TestEnv;
let redis: Redis;

beforeAll(async () => {
  env = await createTestEnv("live-reads");
  redis = createRedis(env.redisUrl);
});

afterAll(async () => {
  const ours = await redis.keys(`{${env.redisPrefix}-*`);
  if (ours.length > 0) await redis.unlink(...ours);
  redis.disconnect();
  await env.cleanup();
});

/** Sums rows per (ad, minute, country): rows may repeat a cell, as several checkpoints do. */
function cells(list: RollupRow[]): RollupRow[] {
  const m = new Map<string, RollupRow>();
  for (const r of list) {
    const k = `${r.adId}|${r.minuteMs}|${r.country}`;
    const prev = m.get(k);
    if (prev) prev.clicks += r.clicks;
    else m.set(k, { ...r });
  }
  return [...m.values()];
}

/** Skewed traffic: Zipf-like popularity whose ranking drifts from minute to minute. */
function skewedRows(seed: number, minutes: number, ads: number, perMinute: number, newest = HEAD): RollupRow[] {
  const rnd = seededRandom(seed);
  const out: RollupRow[] = [];
  for (let i = 0; i < minutes; i++) {
    const minuteMs = newest - i * MINUTE_MS;
    const shift = Math.floor(rnd() * 50);
    for (let c = 0; c < perMinute; c++) {
      const rank = Math.floor(ads ** rnd()) - 1; // log-uniform rank: a heavy head and a long tail
      out.push({
        adId: `ad-${(rank + shift) % ads}`,
        minuteMs,
        country: COUNTRIES[Math.floor(rnd() * COUNTRIES.length)] as string,
        clicks: 1,
      });
    }
  }
  return cells(out);
}

/** Flat traffic: each minute, a random subset of ads with one click each (ties everywhere). */
function flatRows(seed: number, minutes: number, ads: number, perMinute: number): RollupRow[] {
  const rnd = seededRandom(seed);
  const out: RollupRow[] = [];
  for (let i = 0; i < minutes; i++) {
    const picked = new Set<number>();
    while (picked.size < perMinute) picked.add(Math.floor(rnd() * ads));
    for (const a of picked) out.push({ adId: `ad-${a}`, minuteMs: HEAD - i * MINUTE_MS, country: "US", clicks: 1 });
  }
  return out;
}

function bruteTopN(rows: RollupRow[], minutes: number, country: string | undefined, n: number, end = HEAD): AdCount[] {
  const sums = new Map<string, number>();
  for (const r of rows) {
    if (r.minuteMs <= end - minutes * MINUTE_MS || r.minuteMs > end) continue;
    if (country !== undefined && r.country !== country) continue;
    sums.set(r.adId, (sums.get(r.adId) ?? 0) + r.clicks);
  }
  return topN(sums, n);
}

async function countOf(keys: RedisKeys, minutes: number, country: string | undefined, adId: string, end = HEAD) {
  const r = await readLiveCounts(redis, keys, win(minutes, country, end), [adId]);
  return r && (r.get(adId) ?? 0);
}

describe("top N over a window of minute sets", () => {
  const keys = () => redisKeys(`${env.redisPrefix}-skewed`);
  const rows = skewedRows(7, 60, 20_000, 4_000);

  beforeAll(async () => {
    await writeLiveWindows(redis, keys(), rows, { nowMs: HEAD });
  });

  test("skewed traffic: equal to the brute-force sum for every M, country and N", async () => {
    const hows = new Set<string>();
    for (const minutes of [1, 2, 7, 30, 60]) {
      for (const country of [undefined, "US"]) {
        for (const n of [1, 10, 100, 500]) {
          const r = await readLiveTopN(redis, keys(), win(minutes, country), n);
          expect({ minutes, country, n, ads: r?.ads }).toEqual({
            minutes,
            country,
            n,
            ads: bruteTopN(rows, minutes, country, n),
          });
          hows.add(r?.how ?? "none");
        }
      }
    }
    // A single minute reads one set; longer windows are really answered by the threshold rule.
    expect([...hows].sort()).toEqual(["one", "threshold"]);
  });

  test("counts over a window equal the brute-force sum, unknown ads count 0", async () => {
    for (const minutes of [1, 5, 60]) {
      for (const country of [undefined, "DE"]) {
        for (const adId of ["ad-0", "ad-7", "ad-19999", "never"]) {
          const expected = rows
            .filter(
              (r) =>
                r.adId === adId &&
                r.minuteMs > HEAD - minutes * MINUTE_MS &&
                (country === undefined || r.country === country),
            )
            .reduce((s, r) => s + r.clicks, 0);
          expect({ minutes, country, adId, n: await countOf(keys(), minutes, country, adId) }).toEqual({
            minutes,
            country,
            adId,
            n: expected,
          });
        }
      }
    }
  });

  test("counts of a given list of ads (a scoped caller) equal the brute-force sums", async () => {
    const ids = Array.from({ length: 2_500 }, (_, i) => `ad-${i * 7}`);
    const got = await readLiveCounts(redis, keys(), win(17, "JP"), ids);
    const want = new Map<string, number>();
    for (const r of rows) {
      if (r.country === "JP" && r.minuteMs > HEAD - 17 * MINUTE_MS && ids.includes(r.adId)) {
        want.set(r.adId, (want.get(r.adId) ?? 0) + r.clicks);
      }
    }
    expect(want.size).toBeGreaterThan(100);
    expect(got).toEqual(want);
  });
});

describe("flat traffic and ties", () => {
  const keys = () => redisKeys(`${env.redisPrefix}-flat`);
  const rows = flatRows(11, 10, 1_000, 400);

  beforeAll(async () => {
    await writeLiveWindows(redis, keys(), rows, { nowMs: HEAD });
  });

  test("ties at the cut force deeper reads, and the answer stays exact (smallest ad ids first)", async () => {
    const depths: number[] = [];
    for (const n of [1, 5, 40]) {
      const r = await readLiveTopN(redis, keys(), win(10, "US"), n);
      expect(r?.ads).toEqual(bruteTopN(rows, 10, "US", n));
      expect(r?.how).toBe("threshold");
      depths.push(r?.depth ?? 0);
    }
    // Scores of 1 to 5 everywhere: the first depth (64) cannot separate the N-th from the rest.
    expect(Math.max(...depths)).toBeGreaterThan(64);
  });

  test("past the lookup budget the sets are summed: the same answer, no key left", async () => {
    for (const n of [1, 5, 40]) {
      const r = await readLiveTopN(redis, keys(), win(10, "US"), n, 100);
      expect(r?.how).toBe("union");
      expect(r?.ads).toEqual(bruteTopN(rows, 10, "US", n));
    }
    expect(await redis.exists(`${keys().tag}:tmp:top`)).toBe(0);
  });

  test("capped tops: when they cannot tell, the hashes are summed; the same answer, no key left", async () => {
    const k = redisKeys(`${env.redisPrefix}-capped`);
    // More ads per minute than a top keeps, for all countries and for the US, one click each:
    // the lowest score of every minute's top is the highest too.
    const rnd = seededRandom(5);
    const rows: RollupRow[] = [];
    for (let i = 0; i < 6; i++) {
      const picked = new Set<number>();
      while (picked.size < 2 * TOP_CAP + 1_000) picked.add(Math.floor(rnd() * 20_000));
      for (const a of picked) {
        const country = rnd() < 0.6 ? "US" : (["DE", "JP"][Math.floor(rnd() * 2)] as string);
        rows.push({ adId: `ad-${a}`, minuteMs: HEAD - i * MINUTE_MS, country, clicks: 1 });
      }
    }
    await writeLiveWindows(redis, k, rows, { nowMs: HEAD });
    for (const country of [undefined, "US"]) {
      // One minute: nothing but the sum of the hashes can tell.
      const one = await readLiveTopN(redis, k, win(1, country), 5);
      expect({ country, how: one?.how, ads: one?.ads }).toEqual({
        country,
        how: "union",
        ads: bruteTopN(rows, 1, country, 5),
      });
      // Six minutes: ads in most minutes beat the sum of the tops' lowest scores, read to their end.
      const six = await readLiveTopN(redis, k, win(6, country), 40);
      expect({ country, how: six?.how, ads: six?.ads }).toEqual({
        country,
        how: "threshold",
        ads: bruteTopN(rows, 6, country, 40),
      });
      expect(await redis.zcard(k.minute(HEAD, country))).toBe(TOP_CAP);
    }
    expect(await redis.keys(`${k.tag}:tmp:*`)).toEqual([]);
  });

  test("one minute set: everything above the N-th score, then the smallest ids tied with it", async () => {
    const k = redisKeys(`${env.redisPrefix}-one`);
    const one = (adId: string, clicks: number) => ({ adId, minuteMs: HEAD, country: "US", clicks });
    await writeLiveWindows(redis, k, [one("m", 5), one("d", 3), one("b", 3), one("c", 3), one("a", 1)], {
      nowMs: HEAD,
    });
    const ids = async (n: number) => (await readLiveTopN(redis, k, win(1, undefined), n))?.ads;
    expect(await ids(2)).toEqual([
      { adId: "m", count: 5 },
      { adId: "b", count: 3 },
    ]);
    expect((await ids(10))?.map((x) => x.adId)).toEqual(["m", "b", "c", "d", "a"]);
  });
});

describe("windows end with the reader's clock: minutes after the end are in Redis, never counted", () => {
  const keys = () => redisKeys(`${env.redisPrefix}-ahead`);
  // An hour up to the writers' clock (HEAD, 12:03: its bucket also holds 12:04), and five
  // minutes after it with heavy ads of their own, as a producer stamping records ahead writes.
  const rows = [
    ...skewedRows(13, 60, 5_000, 800),
    ...skewedRows(17, 5, 300, 800, HEAD + 5 * MINUTE_MS).map((r) => ({ ...r, adId: `ahead-${r.adId}`, clicks: 50 })),
  ];

  beforeAll(async () => {
    await writeLiveWindows(redis, keys(), rows, { nowMs: HEAD });
  });

  test("top N and counts, for ends at every offset in a bucket, equal the brute-force sums", async () => {
    const ads = ["ad-0", "ad-3", "ad-4999", "ahead-ad-0", "ahead-ad-1"];
    let answered = 0;
    for (let k = -6; k <= 2; k++) {
      const end = HEAD + k * MINUTE_MS;
      for (const minutes of [1, 2, 4, 7, 30, 59, 60]) {
        for (const country of [undefined, "US"]) {
          const top = await readLiveTopN(redis, keys(), win(minutes, country, end), 20);
          const counts = await readLiveCounts(redis, keys(), win(minutes, country, end), ads);
          // A window reaching before the kept range (a reader's clock lagging the writers'
          // by more than the margin) is left to Postgres.
          if (end - (minutes - 1) * MINUTE_MS < keptFrom(HEAD)) {
            expect({ end: k, minutes, top, counts }).toEqual({ end: k, minutes, top: null, counts: null });
            continue;
          }
          answered++;
          expect({ end: k, minutes, country, ads: top?.ads }).toEqual({
            end: k,
            minutes,
            country,
            ads: bruteTopN(rows, minutes, country, 20, end),
          });
          const want = new Map<string, number>();
          for (const adId of ads) {
            const n = bruteTopN(rows, minutes, country, 10_000, end).find((a) => a.adId === adId)?.count ?? 0;
            if (n > 0) want.set(adId, n);
          }
          expect({ end: k, minutes, country, counts }).toEqual({ end: k, minutes, country, counts: want });
        }
      }
    }
    expect(answered).toBeGreaterThan(80);
  });

  test("at the writers' clock, nothing stamped after it is in any window", async () => {
    for (const minutes of [1, 5, 60]) {
      const top = await readLiveTopN(redis, keys(), win(minutes, undefined), 1000);
      expect(top?.ads.filter((a) => a.adId.startsWith("ahead-"))).toEqual([]);
    }
    // A reader whose clock has reached them counts them.
    const later = await readLiveTopN(redis, keys(), win(2, undefined, HEAD + 2 * MINUTE_MS), 5);
    expect(later?.ads.every((a) => a.adId.startsWith("ahead-"))).toBe(true);
  });
});

describe("readiness", () => {
  test("not ready (or never built): reads answer null, so the query goes to Postgres", async () => {
    const k = redisKeys(`${env.redisPrefix}-cold`);
    expect(await readLiveTopN(redis, k, win(5, undefined), 10)).toBeNull();
    await writeLiveWindows(redis, k, [{ adId: "a", minuteMs: HEAD, country: "US", clicks: 2 }], {
      nowMs: HEAD,
      ready: false,
    });
    expect(await readLiveTopN(redis, k, win(5, undefined), 10)).toBeNull();
    expect(await countOf(k, 5, undefined, "a")).toBeNull();
    await redis.hset(k.meta, "ready", "1");
    expect(await countOf(k, 5, undefined, "a")).toBe(2);
  });
});
