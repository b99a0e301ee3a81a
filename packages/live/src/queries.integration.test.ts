// The query layer against real Postgres and Redis: a fixture of clicks with a brute-force ground
// truth, written to the raw archive, the rollups and the Redis live windows; every query, over
// live and historical ranges, with and without each filter, must equal the truth from every store.
import { ads, advertisers } from "@adclicks/db/catalog-schema";
import { createDb, type Db } from "@adclicks/db/client";
import {
  createApiKey,
  getAggregatedCount,
  getClickSeries,
  getCountryBreakdown,
  getPipelineHealth,
  getPopularAds,
  listApiKeys,
  MINUTE_MS,
  type QueryDeps,
  QueryInputError,
  revokeApiKey,
  verifyApiKey,
} from "@adclicks/db/queries";
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
import { type RedisKeys, redisKeys } from "./redis-keys";
import { writeLiveWindows } from "./testing";

const BASE = Date.UTC(2026, 0, 5, 9, 30); // crosses an hour boundary: two raw partitions
const SPAN_MINUTES = 100;
const HEAD = BASE + (SPAN_MINUTES - 1) * MINUTE_MS;
const ADS_A = ["ad-1", "ad-2", "ad-3", "ad-4", "ad-5", "ad-6"];
const ADS_B = ["ad-10", "ad-11", "ad-12", "ad-7", "ad-8", "ad-9"];
const UNKNOWN = "zz-unknown";
const COUNTRIES = ["US", "DE", "JP"];

function makeClicks(): FixtureClick[] {
  return generateClicks({
    seed: 42,
    count: 4000,
    startMs: BASE,
    minutes: SPAN_MINUTES,
    adIds: [...ADS_A, ...ADS_B, UNKNOWN],
    countries: COUNTRIES,
    users: 8,
    ips: 6,
  });
}

let env: TestEnv;
let db: Db;
let redis: Redis;
let live: QueryDeps; // Redis ready with the live windows
let cold: QueryDeps; // an empty Redis prefix: Postgres answers everything
let liveKeys: RedisKeys;
const clicks = makeClicks();

beforeAll(async () => {
  env = await createTestEnv("queries");
  db = createDb(env.databaseUrl, 4);
  redis = createRedis(env.redisUrl);
  liveKeys = redisKeys(env.redisPrefix);
  // The clock half a minute into HEAD: "the last M minutes" end with HEAD in every store.
  const now = () => HEAD + 30_000;
  live = { db, live: createLiveWindows(redis, liveKeys), now };
  cold = { db, live: createLiveWindows(redis, redisKeys(`${env.redisPrefix}-cold`)), now };
  await db.insert(advertisers).values([
    { id: "adv-a", name: "A" },
    { id: "adv-b", name: "B" },
  ]);
  await db
    .insert(ads)
    .values([
      ...ADS_A.map((id) => ({ id, advertiserId: "adv-a", name: id })),
      ...ADS_B.map((id) => ({ id, advertiserId: "adv-b", name: id })),
    ]);
  const rows = rollupsOf(clicks);
  await writeRawClicks(db, clicks);
  await writeRollups(db, rows);
  await writeLiveWindows(redis, liveKeys, rows);
  // Every minute but the last two is final: asOf = end of HEAD - 2 minutes.
  await markMinutesFinal(
    db,
    Array.from({ length: SPAN_MINUTES - 2 }, (_, i) => BASE + i * MINUTE_MS),
  );
});

afterAll(async () => {
  const keys = [...(await redis.keys(`{${env.redisPrefix}}:*`))];
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await db.$client.end();
  await env.cleanup();
});

/** Live windows: any M from 1 to 60 comes from Redis. */
const LIVE_WINDOWS = [1, 2, 5, 15, 30, 45, 60];
const lastRange = (m: number) => ({ fromMs: HEAD - (m - 1) * MINUTE_MS, toMs: HEAD + MINUTE_MS });

describe("aggregatedCount", () => {
  test.each(LIVE_WINDOWS.map((m) => [m]))("last %i minutes: Redis equals rollups equals the truth", async (m) => {
    for (const adId of ["ad-1", "ad-4", "ad-9", UNKNOWN, "never-clicked"]) {
      for (const country of [undefined, "DE"]) {
        const expected = truthClicks(clicks, { ...lastRange(m), adId, country }).length;
        const fromRedis = await getAggregatedCount(live, {
          adId,
          range: { kind: "last", minutes: m },
          filter: { country },
        });
        const fromPg = await getAggregatedCount(cold, {
          adId,
          range: { kind: "last", minutes: m },
          filter: { country },
        });
        expect(fromRedis.source).toBe("redis");
        expect(fromPg.source).toBe("rollups");
        expect({ adId, country, count: fromRedis.count }).toEqual({ adId, country, count: expected });
        expect(fromPg.count).toBe(expected);
        expect([fromRedis.fromMs, fromRedis.toMs]).toEqual([lastRange(m).fromMs, lastRange(m).toMs]);
        expect([fromPg.fromMs, fromPg.toMs]).toEqual([fromRedis.fromMs, fromRedis.toMs]);
      }
    }
  });

  test("windows longer than Redis keeps (M = 61, 90, 1440) come from the rollups and are exact", async () => {
    for (const m of [61, 90, 1440]) {
      const r = await getAggregatedCount(live, { adId: "ad-2", range: { kind: "last", minutes: m } });
      expect(r.source).toBe("rollups");
      expect(r.count).toBe(truthClicks(clicks, { ...lastRange(m), adId: "ad-2" }).length);
    }
  });

  test("ip and user_id filters come from the raw archive and are exact, alone and combined", async () => {
    const cases = [{ ip: "10.0.0.3" }, { userId: "u5" }, { ip: "10.0.0.2", userId: "u2", country: "JP" }];
    for (const filter of cases) {
      for (const m of [1, 5, 60, 100]) {
        const r = await getAggregatedCount(live, { adId: "ad-1", range: { kind: "last", minutes: m }, filter });
        expect(r.source).toBe("raw");
        expect(r.count).toBe(truthClicks(clicks, { ...lastRange(m), adId: "ad-1", ...filter }).length);
      }
    }
  });

  test("explicit [from, to) ranges, rounded down to whole minutes, from rollups and raw", async () => {
    const fromMs = BASE + 7 * MINUTE_MS + 20_000; // rounds down to minute 7
    const toMs = BASE + 53 * MINUTE_MS + 59_000; // rounds down to minute 53
    const aligned = { fromMs: BASE + 7 * MINUTE_MS, toMs: BASE + 53 * MINUTE_MS };
    const r = await getAggregatedCount(live, { adId: "ad-3", range: { kind: "between", fromMs, toMs } });
    expect(r.source).toBe("rollups");
    expect([r.fromMs, r.toMs]).toEqual([aligned.fromMs, aligned.toMs]);
    expect(r.count).toBe(truthClicks(clicks, { ...aligned, adId: "ad-3" }).length);
    expect(r.final).toBe(true);
    const f = await getAggregatedCount(live, {
      adId: "ad-3",
      range: { kind: "between", fromMs, toMs },
      filter: { userId: "u3", country: "US" },
    });
    expect(f.source).toBe("raw");
    expect(f.count).toBe(truthClicks(clicks, { ...aligned, adId: "ad-3", userId: "u3", country: "US" }).length);
  });

  test("asOf is the end of the newest final minute; open minutes make a range not final", async () => {
    const r = await getAggregatedCount(live, { adId: "ad-1", range: { kind: "last", minutes: 5 } });
    expect(r.asOfMs).toBe(HEAD - MINUTE_MS);
    expect(r.final).toBe(false);
  });

  test("from after to is refused with the field named", async () => {
    await expect(
      getAggregatedCount(live, { adId: "ad-1", range: { kind: "between", fromMs: BASE + 10, toMs: BASE } }),
    ).rejects.toThrow(QueryInputError);
  });
});

describe("popularAds", () => {
  test("top N over live windows, with and without country: Redis equals rollups equals the truth", async () => {
    for (const m of LIVE_WINDOWS) {
      for (const country of [undefined, "US"]) {
        for (const n of [1, 3, 7, 100]) {
          const expected = truthTopN(clicks, { ...lastRange(m), country }, n);
          const a = await getPopularAds(live, { n, range: { kind: "last", minutes: m }, filter: { country } });
          const b = await getPopularAds(cold, { n, range: { kind: "last", minutes: m }, filter: { country } });
          expect(a.source).toBe("redis");
          expect(b.source).toBe("rollups");
          expect({ m, country, n, ads: a.ads }).toEqual({ m, country, n, ads: expected });
          expect(b.ads).toEqual(expected);
        }
      }
    }
  });

  test("the fixture really has ties at the cut, so the tie rule is exercised", () => {
    const full = truthTopN(clicks, lastRange(1), 1000);
    const tiedAtCut = [1, 2, 3, 4, 5, 6].some((n) => full[n - 1] && full[n] && full[n - 1]?.count === full[n]?.count);
    expect(tiedAtCut).toBe(true);
  });

  test("scoped to advertisers: only their ads, equal from every store; unknown ids hidden", async () => {
    const scope = { kind: "advertisers" as const, advertiserIds: ["adv-b"] };
    for (const m of [5, 60]) {
      const expected = truthTopN(clicks, { ...lastRange(m), adIds: new Set(ADS_B) }, 4);
      const a = await getPopularAds(live, { n: 4, range: { kind: "last", minutes: m }, scope });
      const b = await getPopularAds(cold, { n: 4, range: { kind: "last", minutes: m }, scope });
      expect(a.ads).toEqual(expected);
      expect(b.ads).toEqual(expected);
      expect(a.ads.every((x) => ADS_B.includes(x.adId))).toBe(true);
    }
    const all = await getPopularAds(live, { n: 1000, range: { kind: "last", minutes: 60 } });
    expect(all.ads.some((x) => x.adId === UNKNOWN)).toBe(true);
  });

  test("ip / user_id filters and other windows are exact", async () => {
    for (const filter of [{ ip: "10.0.0.4" }, { userId: "u0", country: "DE" }]) {
      const r = await getPopularAds(live, { n: 5, range: { kind: "last", minutes: 30 }, filter });
      expect(r.source).toBe("raw");
      expect(r.ads).toEqual(truthTopN(clicks, { ...lastRange(30), ...filter }, 5));
    }
    const r = await getPopularAds(live, { n: 5, range: { kind: "last", minutes: 90 } });
    expect(r.source).toBe("rollups");
    expect(r.ads).toEqual(truthTopN(clicks, lastRange(90), 5));
  });

  test("Redis not ready: Postgres answers the same", async () => {
    await redis.hset(liveKeys.meta, "ready", "0");
    try {
      const r = await getPopularAds(live, { n: 5, range: { kind: "last", minutes: 5 } });
      expect(r.source).toBe("rollups");
      expect(r.ads).toEqual(truthTopN(clicks, lastRange(5), 5));
    } finally {
      await redis.hset(liveKeys.meta, "ready", "1");
    }
  });
});

describe("series and breakdown", () => {
  test("per-minute series, zero-filled, equal to the truth, finality per bucket", async () => {
    const s = await getClickSeries(live, { adIds: ["ad-1", "ad-8", "never"], range: { kind: "last", minutes: 30 } });
    expect(s.granularity).toBe("minute");
    expect(s.buckets).toHaveLength(30);
    for (const [i, b] of s.buckets.entries()) {
      expect(b.tsMs).toBe(lastRange(30).fromMs + i * MINUTE_MS);
      expect(b.final).toBe(b.tsMs + MINUTE_MS <= HEAD - MINUTE_MS);
      for (const row of s.series) {
        expect(row.counts[i]).toBe(
          truthClicks(clicks, { adId: row.adId, fromMs: b.tsMs, toMs: b.tsMs + MINUTE_MS }).length,
        );
      }
    }
    expect(s.series.find((r) => r.adId === "never")?.total).toBe(0);
  });

  test("hourly buckets for long ranges, and the user_id filter from the raw archive", async () => {
    const range = { kind: "between" as const, fromMs: BASE - 8 * 3_600_000, toMs: BASE + 2 * 3_600_000 };
    const s = await getClickSeries(live, { adIds: ["ad-2"], range, filter: { userId: "u4" } });
    expect(s.granularity).toBe("hour");
    const total = truthClicks(clicks, { adId: "ad-2", userId: "u4", fromMs: range.fromMs, toMs: range.toMs }).length;
    expect(s.series[0]?.total).toBe(total);
    expect(total).toBeGreaterThan(0);
  });

  test("country breakdown sums to aggregated_count", async () => {
    const b = await getCountryBreakdown(live, { adId: "ad-1", range: { kind: "last", minutes: 60 } });
    const c = await getAggregatedCount(live, { adId: "ad-1", range: { kind: "last", minutes: 60 } });
    expect(b.rows.reduce((a, r) => a + r.count, 0)).toBe(c.count);
    for (const r of b.rows) {
      expect(r.count).toBe(truthClicks(clicks, { ...lastRange(60), adId: "ad-1", country: r.value }).length);
    }
  });
});

describe("api keys and ops health", () => {
  test("a key verifies until revoked; malformed and unknown keys fail", async () => {
    const { id, key } = await createApiKey(db, { name: "t", scope: { kind: "advertisers", advertiserIds: ["adv-a"] } });
    const ok = await verifyApiKey(db, key);
    expect(ok.ok && ok.key.scope).toEqual({ kind: "advertisers", advertiserIds: ["adv-a"] });
    expect(await verifyApiKey(db, "nope")).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyApiKey(db, `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`)).toEqual({
      ok: false,
      reason: "unknown",
    });
    expect(await revokeApiKey(db, id)).toBe(true);
    expect(await verifyApiKey(db, key)).toEqual({ ok: false, reason: "revoked" });
    expect(await revokeApiKey(db, "key_missing")).toBe(false);
    expect((await listApiKeys(db)).find((k) => k.id === id)?.revokedAt).toBeInstanceOf(Date);
    await expect(
      createApiKey(db, { name: "bad", scope: { kind: "advertisers", advertiserIds: ["adv-nope"] } }),
    ).rejects.toThrow(/unknown advertiser adv-nope/);
  });

  test("pipeline health reads checkpoints, dead letters, late events and finality", async () => {
    await db.$client.query(
      `insert into consumer_checkpoints (consumer, topic, partition, next_offset, seq, max_event_ms, dedup_from_offset, updated_at)
       values ('aggregator', 'ad-clicks', 0, 120, 3, $1, 100, now() - interval '5 seconds')`,
      [Date.now() - 2_000],
    );
    await db.$client.query(
      `insert into dead_letters (reason, source, payload) values ('malformed_json', 'collector', '{'), ('malformed_json', 'collector', 'x'), ('bad_ip', 'aggregator', '{}')`,
    );
    await db.$client.query(`insert into late_events (ad_id, minute, country, clicks) values ('ad-1', $1, 'US', 4)`, [
      new Date(BASE),
    ]);
    const h = await getPipelineHealth(live);
    expect(h.checkpoints).toHaveLength(1);
    expect(h.checkpoints[0]?.nextOffset).toBe(120);
    expect(h.checkpoints[0]?.checkpointAgeMs).toBeGreaterThanOrEqual(4_000);
    expect(h.deadLetters).toEqual([
      expect.objectContaining({ reason: "malformed_json", count: 2 }),
      expect.objectContaining({ reason: "bad_ip", count: 1 }),
    ]);
    expect(h.lateEvents.lastHour).toEqual({ batches: 1, clicks: 4 });
    expect(h.headMs).toBe(HEAD);
    expect(h.asOfMs).toBe(HEAD - MINUTE_MS);
    expect(h.live).toEqual({ headMs: HEAD, ready: true });
    expect(h.minutes[0]?.minuteMs).toBe(HEAD - 2 * MINUTE_MS);
  });
});
