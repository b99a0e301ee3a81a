// "The last M minutes" end with the clock's minute in every store — the Redis live windows, the
// Postgres rollups and the raw archive — whatever event times the data holds: clicks stamped
// ahead of the clock (a producer writing its own record timestamps) are stored, counted in no
// window until the clock reaches their minute, and as_of never passes the clock.
import { createDb, type Db } from "@adclicks/db/client";
import { getAggregatedCount, getPopularAds, MINUTE_MS, type QueryDeps } from "@adclicks/db/queries";
import {
  type FixtureClick,
  generateClicks,
  markMinutesFinal,
  rollupsOf,
  truthClicks,
  truthTopN,
  writeRawClicks,
  writeRollups,
} from "@adclicks/db/testing";
import { createTestEnv, type TestEnv } from "@adclicks/test-utils";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createRedis } from "./client";
import { createLiveWindows } from "./live-reads";
import { redisKeys } from "./redis-keys";
import { writeLiveWindows } from "./testing";

/** The clock: 12:03:30. Its minute's bucket (12:00-12:04) also holds 12:04, ahead of it. */
const NOW = Date.UTC(2026, 0, 5, 12, 3, 30);
const END = NOW - (NOW % MINUTE_MS);
const real = generateClicks({
  seed: 3,
  count: 3000,
  startMs: END - 59 * MINUTE_MS,
  minutes: 60,
  adIds: ["ad-1", "ad-2", "ad-3", "ad-4"],
  countries: ["US", "DE"],
  users: 5,
  ips: 4,
});
/** 200 clicks on ads of their own 45 s and 290 s ahead of the clock, as in issue 13. */
const ahead: FixtureClick[] = Array.from({ length: 200 }, (_, i) => ({
  eventId: `00000000-0000-4000-9000-${String(i).padStart(12, "0")}`,
  adId: `ad-ahead-${i % 20}`,
  ts: NOW + (i % 2 === 0 ? 45_000 : 290_000),
  userId: "u1",
  ip: "10.0.0.1",
  country: "US",
}));
const clicks = [...real, ...ahead];

let env: TestEnv;
let db: Db;
let redis: Redis;
let deps: (store: "redis" | "rollups", nowMs?: number) => QueryDeps;

beforeAll(async () => {
  env = await createTestEnv("clock");
  db = createDb(env.databaseUrl, 2);
  redis = createRedis(env.redisUrl);
  const keys = redisKeys(env.redisPrefix);
  deps = (store, nowMs = NOW) => ({
    db,
    live: store === "redis" ? createLiveWindows(redis, keys) : null,
    now: () => nowMs,
  });
  const rows = rollupsOf(clicks);
  await writeRawClicks(db, clicks);
  await writeRollups(db, rows);
  await writeLiveWindows(redis, keys, rows, { nowMs: NOW });
  // Minutes up to 12:08 marked final, as an aggregator whose watermark followed the data did.
  await markMinutesFinal(
    db,
    Array.from({ length: 65 }, (_, i) => END - 59 * MINUTE_MS + i * MINUTE_MS),
  );
});

afterAll(async () => {
  const keys = await redis.keys(`{${env.redisPrefix}}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await db.$client.end();
  await env.cleanup();
});

const range = (m: number, end = END) => ({ fromMs: end - (m - 1) * MINUTE_MS, toMs: end + MINUTE_MS });

describe("the last M minutes end with the clock's minute in every store", () => {
  test("top N: Redis, rollups and the raw archive count the same minutes, none after the clock's", async () => {
    for (const m of [1, 4, 5, 15, 60]) {
      for (const filter of [{}, { country: "US" }, { userId: "u1" }]) {
        const want = truthTopN(clicks, { ...range(m), ...filter }, 10);
        expect(want.some((a) => a.adId.startsWith("ad-ahead"))).toBe(false);
        for (const store of ["redis", "rollups"] as const) {
          const r = await getPopularAds(deps(store), { n: 10, range: { kind: "last", minutes: m }, filter });
          const source = "userId" in filter ? "raw" : store;
          expect({ m, filter, source: r.source, ads: r.ads }).toEqual({ m, filter, source, ads: want });
          expect([r.fromMs, r.toMs]).toEqual([range(m).fromMs, range(m).toMs]);
          // as_of is never in the future, and a window holding the open minute is never final.
          expect({ asOf: r.asOfMs, final: r.final }).toEqual({ asOf: END, final: false });
        }
      }
    }
  });

  test("one ad's count: the clicks stamped ahead count 0 until the clock reaches their minute", async () => {
    for (const store of ["redis", "rollups"] as const) {
      for (const adId of ["ad-1", "ad-ahead-0", "ad-ahead-1"]) {
        const r = await getAggregatedCount(deps(store), { adId, range: { kind: "last", minutes: 60 } });
        expect({ store, adId, count: r.count, source: r.source }).toEqual({
          store,
          adId,
          count: truthClicks(clicks, { ...range(60), adId }).length,
          source: store,
        });
      }
      expect(
        (await getAggregatedCount(deps(store), { adId: "ad-ahead-0", range: { kind: "last", minutes: 60 } })).count,
      ).toBe(0);
    }
  });

  test("once the clock gets there, the windows hold what the record timestamps said", async () => {
    const later = NOW + 6 * MINUTE_MS; // 12:09:30: both minutes ahead are in the last 6
    for (const store of ["redis", "rollups"] as const) {
      const r = await getPopularAds(deps(store, later), { n: 30, range: { kind: "last", minutes: 6 } });
      expect(r.source).toBe(store);
      expect(r.ads).toEqual(truthTopN(clicks, range(6, END + 6 * MINUTE_MS), 30));
      expect(r.ads.filter((a) => a.adId.startsWith("ad-ahead")).reduce((n, a) => n + a.count, 0)).toBe(200);
      // The minutes marked final ahead of the old clock are complete now: as_of follows the clock.
      expect(r.asOfMs).toBe(END + 6 * MINUTE_MS);
    }
  });
});
