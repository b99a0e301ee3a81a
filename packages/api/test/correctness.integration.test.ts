// Correctness over both interfaces: a fixture of clicks with a brute-force ground truth, written
// to the raw archive, the rollups and the Redis live windows. Every query, live and historical,
// with and without each filter, returns the exact expected numbers over tRPC and REST, whether
// Redis (live windows ready) or Postgres (Redis empty) answers.
import {
  generateClicks,
  markMinutesFinal,
  rollupsOf,
  truthClicks,
  truthTopN,
  writeRawClicks,
  writeRollups,
} from "@adclicks/db/testing";
import { createLiveWindows, redisKeys } from "@adclicks/live";
import { writeLiveWindows } from "@adclicks/live/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ApiDeps } from "../src/trpc";
import { ADS_A, ADS_B, type ApiTestEnv, createApiTestEnv, UNKNOWN_AD } from "./api-test-env";

const MINUTE = 60_000;
const BASE = Date.UTC(2026, 0, 5, 9, 20);
const SPAN = 90;
const HEAD = BASE + (SPAN - 1) * MINUTE;
const clicks = generateClicks({
  seed: 7,
  count: 3000,
  startMs: BASE,
  minutes: SPAN,
  adIds: [...ADS_A, ...ADS_B, UNKNOWN_AD],
  countries: ["US", "DE", "FR"],
  users: 6,
  ips: 5,
});

let t: ApiTestEnv;
let cold: ApiDeps;
beforeAll(async () => {
  t = await createApiTestEnv("correctness", { nowMs: HEAD + 30_000 });
  cold = { ...t.deps, live: createLiveWindows(t.redis, redisKeys(`${t.env.redisPrefix}-cold`)) };
  const rows = rollupsOf(clicks);
  await writeRawClicks(t.db, clicks);
  await writeRollups(t.db, rows);
  await writeLiveWindows(t.redis, t.deps.redisKeys, rows);
  await markMinutesFinal(
    t.db,
    Array.from({ length: SPAN - 2 }, (_, i) => BASE + i * MINUTE),
  );
});
afterAll(() => t?.cleanup());

type Filter = { country?: string; ip?: string; user_id?: string };
const FILTERS: Filter[] = [
  {},
  { country: "DE" },
  { ip: "10.0.0.2" },
  { user_id: "u3" },
  { country: "US", user_id: "u1", ip: "10.0.0.4" },
];
const truthFilter = (f: Filter) => ({ country: f.country, ip: f.ip, userId: f.user_id });
const last = (m: number) => ({ fromMs: HEAD - (m - 1) * MINUTE, toMs: HEAD + MINUTE });
/** What the API counts: the parameter as an instant, rounded down to its minute. */
const floorToMinute = (v: string) => {
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return ms - (ms % MINUTE);
};
const qs = (o: Record<string, string | number | undefined>) =>
  new URLSearchParams(
    Object.entries(o).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]])),
  ).toString();

interface Interface {
  name: string;
  count(
    deps: ApiDeps,
    adId: string,
    params: Record<string, string | number | undefined>,
  ): Promise<{ count: number; from: string; to: string; as_of: string | null; final: boolean }>;
  popular(
    deps: ApiDeps,
    params: { count: number; window: number } & Filter,
  ): Promise<{ ads: { ad_id: string; count: number }[]; from: string; to: string }>;
}

const interfaces: Interface[] = [
  {
    name: "tRPC",
    count: (deps, adId, p) => t.trpc(t.callers.opsUser, deps).ads.aggregatedCount({ ad_id: adId, ...p } as never),
    popular: (deps, p) => t.trpc(t.callers.opsUser, deps).ads.popularAds(p),
  },
  {
    name: "REST",
    count: async (deps, adId, p) => {
      const res = await t.rest(`/ads/${adId}/aggregated_count?${qs(p)}`, { key: t.keys.all }, deps);
      expect(res.status).toBe(200);
      return res.json() as never;
    },
    popular: async (deps, p) => {
      const res = await t.rest(`/ads/popular_ads?${qs(p)}`, { key: t.keys.all }, deps);
      expect(res.status).toBe(200);
      return res.json() as never;
    },
  },
];

describe.each(interfaces.map((i) => [i.name, i] as const))("%s", (_name, api) => {
  test("aggregated_count, last M minutes (live and longer), every filter, Redis and Postgres", async () => {
    for (const m of [1, 5, 60, 7, 90]) {
      for (const f of FILTERS) {
        for (const adId of ["ad-1", "ad-4", UNKNOWN_AD]) {
          const expected = truthClicks(clicks, { ...last(m), adId, ...truthFilter(f) }).length;
          for (const deps of [t.deps, cold]) {
            const r = await api.count(deps, adId, { minutes: m, ...f });
            expect({ m, f, adId, count: r.count }).toEqual({ m, f, adId, count: expected });
            expect([r.from, r.to]).toEqual([
              new Date(last(m).fromMs).toISOString(),
              new Date(last(m).toMs).toISOString(),
            ]);
            expect(r.as_of).toBe(new Date(HEAD - MINUTE).toISOString());
            expect(r.final).toBe(false);
          }
        }
      }
    }
  });

  test("aggregated_count over explicit historical ranges (ISO and epoch ms), every filter", async () => {
    const ranges = [
      { from: new Date(BASE + 3 * MINUTE).toISOString(), to: new Date(BASE + 40 * MINUTE).toISOString() },
      { from: String(BASE + 41 * MINUTE + 30_000), to: String(BASE + 75 * MINUTE + 59_999) },
    ];
    for (const r of ranges) {
      const fromMs = floorToMinute(r.from);
      const toMs = floorToMinute(r.to);
      for (const f of FILTERS) {
        const expected = truthClicks(clicks, { fromMs, toMs, adId: "ad-2", ...truthFilter(f) }).length;
        const got = await api.count(t.deps, "ad-2", { ...r, ...f });
        expect({ r, f, count: got.count }).toEqual({ r, f, count: expected });
        expect(got.final).toBe(true);
      }
    }
  });

  test("popular_ads over live windows and longer ones, every filter, ties by ad_id, both stores", async () => {
    for (const window of [1, 5, 15, 60, 3]) {
      for (const f of FILTERS) {
        for (const count of [2, 5, 100]) {
          const expected = truthTopN(clicks, { ...last(window), ...truthFilter(f) }, count).map((a) => ({
            ad_id: a.adId,
            count: a.count,
          }));
          for (const deps of [t.deps, cold]) {
            const r = await api.popular(deps, { count, window, ...f });
            expect({ window, f, count, ads: r.ads }).toEqual({ window, f, count, ads: expected });
          }
        }
      }
    }
  });
});

test("the two interfaces agree on scoped answers too (advertiser A's user and A's key)", async () => {
  const viaTrpc = await t.trpc(t.callers.advertiserA).ads.popularAds({ count: 10, window: 60 });
  const res = await t.rest("/ads/popular_ads?count=10&window=60", { key: t.keys.scopedA });
  const viaRest = (await res.json()) as typeof viaTrpc;
  const expected = truthTopN(clicks, { ...last(60), adIds: new Set(ADS_A) }, 10).map((a) => ({
    ad_id: a.adId,
    count: a.count,
  }));
  expect(viaTrpc.ads).toEqual(expected);
  expect(viaRest.ads).toEqual(expected);
});

test("breakdown and series agree with aggregated_count", async () => {
  const api = t.trpc(t.callers.opsUser);
  const count = await api.ads.aggregatedCount({ ad_id: "ad-3", minutes: 60 });
  const breakdown = await api.ads.breakdown({ ad_id: "ad-3", minutes: 60 });
  const series = await api.ads.series({ ad_ids: ["ad-3"], minutes: 60 });
  expect(breakdown.rows.reduce((a, r) => a + r.count, 0)).toBe(count.count);
  expect(series.series[0]?.total).toBe(count.count);
  expect(series.buckets).toHaveLength(60);
  expect(series.buckets.at(-1)).toEqual({ ts: new Date(HEAD).toISOString(), final: false });
  expect(series.buckets.at(-3)?.final).toBe(true);
  const res = await t.rest("/ads/ad-3/breakdown?minutes=60", { key: t.keys.all });
  expect(((await res.json()) as typeof breakdown).rows).toEqual(breakdown.rows);
});
