// Long ranges read the hourly rollups for whole hours and the minute rollups at the edges: on
// random skewed data (heavy heads, long tied tails), random ranges with random minute edges, N,
// countries and scopes, popular_ads and aggregated_count must equal the minute-only computation
// (the queries as they were before the hourly rollups) and the brute-force truth; so must the
// dashboards' hour-bucket series, per-ad totals and country breakdowns.
import { createTestEnv, type TestEnv } from "@adclicks/test-utils";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createDb, type Db } from "../client";
import {
  generateClicks,
  type RollupRow,
  rollupsOf,
  seededRandom,
  truthClicks,
  truthTopN,
  writeRollups,
} from "../testing";
import {
  getAdTotals,
  getAggregatedCount,
  getClickSeries,
  getCountryBreakdown,
  getPopularAds,
  getScopeSeries,
  HOUR_MS,
  MINUTE_MS,
  type QueryDeps,
  splitHours,
} from "./index";

const START = Date.UTC(2026, 10, 3, 7, 0);
const MINUTES = 28 * 60;
const COUNTRIES = ["US", "GB", "DE", "JP"];
const ADS = Array.from({ length: 400 }, (_, i) => `ad-${String(i).padStart(3, "0")}`);
/** The scoped advertiser owns every fifth ad, and some ids it owns get no click at all. */
const OWNED = new Set(ADS.filter((_, i) => i % 5 === 2).concat(["ad-never-clicked"]));

let env: TestEnv;
let db: Db;
const clicks = generateClicks({
  seed: 1313,
  count: 60_000,
  startMs: START,
  minutes: MINUTES,
  adIds: ADS,
  countries: COUNTRIES,
  users: 50,
  ips: 50,
});
/** The clock: minute 37 of an hour, so "the last M minutes" have two partial edge hours. */
const now = START + (MINUTES - 23) * MINUTE_MS + 10_000;
const deps = (): QueryDeps => ({ db, live: null, now: () => now });

beforeAll(async () => {
  env = await createTestEnv("hourly_rollups");
  db = createDb(env.databaseUrl, 4);
  await writeRollups(db, rollupsOf(clicks));
  await db.execute(sql`insert into advertisers (id, name) values ('adv-h', 'Hourly')`);
  await db.execute(
    sql`insert into ads (id, advertiser_id, name) select id, 'adv-h', id from unnest(${sql.param([...OWNED])}::text[]) as id`,
  );
}, 120_000);

afterAll(async () => {
  await db.$client.end();
  await env.cleanup();
});

/** popular_ads over the minute rollups only, as it was computed before the hourly rollups. */
async function minuteOnlyTop(fromMs: number, toMs: number, n: number, country?: string, scoped = false) {
  const res = await db.execute<{ ad_id: string; n: number }>(
    sql`select ad_id, sum(clicks)::bigint as n from click_rollups
         where minute >= ${new Date(fromMs)} and minute < ${new Date(toMs)}
           ${country === undefined ? sql`` : sql`and country = ${country}`}
           ${scoped ? sql`and ad_id in (select id from ads where advertiser_id = 'adv-h')` : sql``}
         group by ad_id order by n desc, ad_id collate "C" limit ${n}`,
  );
  return res.rows.map((r) => ({ adId: r.ad_id, count: Number(r.n) }));
}

async function minuteOnlyCount(adId: string, fromMs: number, toMs: number, country?: string) {
  const res = await db.execute<{ n: number | null }>(
    sql`select sum(clicks)::bigint as n from click_rollups
         where ad_id = ${adId} and minute >= ${new Date(fromMs)} and minute < ${new Date(toMs)}
           ${country === undefined ? sql`` : sql`and country = ${country}`}`,
  );
  return Number(res.rows[0]?.n ?? 0);
}

test("the hourly tables are the minute rollups summed by hour", async () => {
  const res = await db.execute<{ a: number; b: number; c: number }>(sql`
    select (select sum(clicks) from click_rollups)::bigint as a,
           (select sum(clicks) from click_rollups_hourly)::bigint as b,
           (select sum(clicks) from ad_clicks_hourly)::bigint as c`);
  expect(res.rows[0]).toEqual({ a: clicks.length, b: clicks.length, c: clicks.length });
});

test("popular_ads over 61–1,440 minutes with random edges equals the minute-only answer and the truth", async () => {
  const rnd = seededRandom(99);
  let withEdges = 0;
  for (let i = 0; i < 60; i++) {
    const minutes = 61 + Math.floor(rnd() * 1380);
    const fromMs = START + Math.floor(rnd() * (MINUTES - minutes)) * MINUTE_MS;
    const toMs = fromMs + minutes * MINUTE_MS;
    const n = [1, 3, 10, 37, 100, 1000][Math.floor(rnd() * 6)]!;
    const country = rnd() < 0.4 ? COUNTRIES[Math.floor(rnd() * COUNTRIES.length)] : undefined;
    const scoped = rnd() < 0.25;
    if (splitHours({ fromMs, toMs }).edges.length === 2) withEdges++;
    const got = await getPopularAds(deps(), {
      n,
      range: { kind: "between", fromMs, toMs },
      filter: { country },
      scope: scoped ? { kind: "advertisers", advertiserIds: ["adv-h"] } : { kind: "all" },
    });
    const label = JSON.stringify({ fromMs, toMs, n, country, scoped });
    expect(got.source, label).toBe("rollups");
    expect(got.ads, label).toEqual(await minuteOnlyTop(fromMs, toMs, n, country, scoped));
    expect(got.ads, label).toEqual(truthTopN(clicks, { fromMs, toMs, country, adIds: scoped ? OWNED : undefined }, n));
  }
  expect(withEdges).toBeGreaterThan(30);
}, 120_000);

test("popular_ads: steady ads that top no single hour still win the range (the search deepens)", async () => {
  // A day later: each hour, 8 ads burst with 50 clicks (and never again), filling every hour's
  // first k lists; two steady ads get 20 and 19 clicks every hour and win over a long range.
  const start = START + 2 * 24 * HOUR_MS;
  const rows: RollupRow[] = [];
  for (let h = 0; h < 26; h++) {
    for (let i = 0; i < 8; i++) {
      rows.push({ adId: `b-${h}-${i}`, minuteMs: start + h * HOUR_MS + i * MINUTE_MS, country: "US", clicks: 50 });
    }
    for (const [adId, perHour] of [["s-0", 20] as const, ["s-1", 19] as const]) {
      for (let m = 0; m < perHour; m++) {
        const minuteMs = start + h * HOUR_MS + m * 3 * MINUTE_MS;
        rows.push({ adId, minuteMs, country: m % 2 ? "US" : "GB", clicks: 1 });
      }
    }
  }
  await writeRollups(db, rows);
  const rnd = seededRandom(5);
  for (let i = 0; i < 20; i++) {
    const minutes = 300 + Math.floor(rnd() * 1140);
    const fromMs = start + Math.floor(rnd() * (26 * 60 - minutes)) * MINUTE_MS;
    const toMs = fromMs + minutes * MINUTE_MS;
    const n = 1 + Math.floor(rnd() * 3);
    const got = await getPopularAds(deps(), { n, range: { kind: "between", fromMs, toMs } });
    expect(got.ads.map((a) => a.adId).slice(0, 2)).toEqual(["s-0", "s-1"].slice(0, n));
    expect(got.ads).toEqual(await minuteOnlyTop(fromMs, toMs, n));
  }
});

test("popular_ads and aggregated_count over the last 180 and 1,440 minutes (edges at the clock's minute)", async () => {
  for (const minutes of [61, 180, 1440]) {
    for (const country of [undefined, "JP"]) {
      const got = await getPopularAds(deps(), { n: 100, range: { kind: "last", minutes }, filter: { country } });
      expect(got.fromMs % HOUR_MS).not.toBe(0);
      expect(got.ads).toEqual(await minuteOnlyTop(got.fromMs, got.toMs, 100, country));
      for (const adId of ["ad-000", "ad-007", "ad-399", "ad-unknown"]) {
        const c = await getAggregatedCount(deps(), { adId, range: { kind: "last", minutes }, filter: { country } });
        expect(c.count, `${adId} ${minutes} ${country}`).toBe(await minuteOnlyCount(adId, c.fromMs, c.toMs, country));
      }
    }
  }
});

test("aggregated_count over random ranges and countries equals the minute-only sum and the truth", async () => {
  const rnd = seededRandom(7);
  for (let i = 0; i < 80; i++) {
    const minutes = 61 + Math.floor(rnd() * 1380);
    const fromMs = START + Math.floor(rnd() * (MINUTES - minutes)) * MINUTE_MS;
    const toMs = fromMs + minutes * MINUTE_MS;
    const adId = ADS[Math.floor(rnd() ** 2 * ADS.length)]!;
    const country = rnd() < 0.5 ? COUNTRIES[Math.floor(rnd() * COUNTRIES.length)] : undefined;
    const got = await getAggregatedCount(deps(), {
      adId,
      range: { kind: "between", fromMs, toMs },
      filter: { country },
    });
    expect(got.count).toBe(await minuteOnlyCount(adId, fromMs, toMs, country));
    expect(got.count).toBe(truthClicks(clicks, { adId, fromMs, toMs, country }).length);
  }
});

test("hour-bucket series, per-ad totals and country breakdowns over long ranges equal the truth", async () => {
  const rnd = seededRandom(21);
  const scoped = { kind: "advertisers", advertiserIds: ["adv-h"] } as const;
  for (let i = 0; i < 25; i++) {
    const minutes = 61 + Math.floor(rnd() * 1380);
    const fromMs = START + Math.floor(rnd() * (MINUTES - minutes)) * MINUTE_MS;
    const toMs = fromMs + minutes * MINUTE_MS;
    const country = rnd() < 0.4 ? COUNTRIES[Math.floor(rnd() * COUNTRIES.length)] : undefined;
    const range = { fromMs, toMs };
    const inRange = truthClicks(clicks, { fromMs, toMs, country });
    const perHour = (xs: typeof clicks) => {
      const m = new Map<number, number>();
      for (const c of xs)
        m.set(Math.floor(c.ts / HOUR_MS) * HOUR_MS, (m.get(Math.floor(c.ts / HOUR_MS) * HOUR_MS) ?? 0) + 1);
      return m;
    };
    const owned = inRange.filter((c) => OWNED.has(c.adId));
    const series = await getScopeSeries(deps(), { range, granularity: "hour", filter: { country }, scope: scoped });
    expect(series.total).toBe(owned.length);
    const expected = perHour(owned);
    expect(series.counts).toEqual(series.bucketsMs.map((b) => expected.get(b) ?? 0));

    const ads = ["ad-000", "ad-002", "ad-123"];
    const totals = await getAdTotals(deps(), { adIds: ads, range, filter: { country } });
    for (const adId of ads) expect(totals.get(adId) ?? 0).toBe(inRange.filter((c) => c.adId === adId).length);

    const spark = await getClickSeries(deps(), {
      adIds: ads,
      range: { kind: "between", ...range },
      granularity: "hour",
      filter: { country },
    });
    for (const s of spark.series) {
      const byHour = perHour(inRange.filter((c) => c.adId === s.adId));
      expect(s.counts).toEqual(spark.buckets.map((b) => byHour.get(b.tsMs) ?? 0));
    }

    const breakdown = await getCountryBreakdown(deps(), { adId: "ad-001", range: { kind: "between", ...range } });
    const byCountry = new Map<string, number>();
    for (const c of truthClicks(clicks, { fromMs, toMs, adId: "ad-001" }))
      byCountry.set(c.country, (byCountry.get(c.country) ?? 0) + 1);
    expect(Object.fromEntries(breakdown.rows.map((r) => [r.value, r.count]))).toEqual(Object.fromEntries(byCountry));
  }
});
