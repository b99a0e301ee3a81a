// The dashboards' procedures and CSV exports against real Postgres and Redis: totals, previous
// periods, top N, finality and late-corrected buckets equal a brute-force truth; exports equal the
// procedures, stream through a cursor, and refuse bad parameters (400), strangers (401) and other
// advertisers' ads (404).

import { streamQuery } from "@adclicks/db/queries";
import {
  generateClicks,
  markMinutesFinal,
  rollupsOf,
  truthClicks,
  truthTopN,
  writeRawClicks,
  writeRollups,
} from "@adclicks/db/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { handleExportRequest } from "../src/export-csv";
import { ADS_A, ADS_B, type ApiTestEnv, createApiTestEnv, trpcCode } from "./api-test-env";

let t: ApiTestEnv;
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 10, 0);
const FROM = T0 + 60 * MIN;
const TO = T0 + 120 * MIN;
const FINAL_UNTIL = T0 + 100 * MIN; // minutes before this are final
const clicks = generateClicks({
  seed: 16,
  count: 3000,
  startMs: T0,
  minutes: 120,
  adIds: [...ADS_A, ...ADS_B],
  countries: ["US", "DE", "FR"],
  users: 40,
  ips: 30,
});
const range = { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString() };
const setA = new Set(ADS_A);

beforeAll(async () => {
  t = await createApiTestEnv("dashboard");
  await writeRawClicks(t.db, clicks);
  await writeRollups(t.db, rollupsOf(clicks));
  await markMinutesFinal(
    t.db,
    Array.from({ length: 100 }, (_, i) => T0 + i * MIN),
  );
  await t.db.execute(sql`insert into late_events (ad_id, minute, country, clicks) values
    ('ad-1', ${new Date(T0 + 70 * MIN)}, 'US', 3), ('ad-1', ${new Date(T0 + 70 * MIN)}, 'DE', 2),
    ('ad-4', ${new Date(T0 + 71 * MIN)}, 'US', 5)`);
});
afterAll(() => t?.cleanup());

const exportReq = (file: string, query: string, key?: string) => {
  const headers = new Headers();
  if (key) headers.set("authorization", `Bearer ${key}`);
  return handleExportRequest(
    new Request(`http://localhost/api/export/${file}?${query}`, { headers }),
    t.deps,
    file,
    () => {},
  );
};

/** CSV body lines without the '#' header lines, split into fields (no quoting in these fixtures). */
async function csvRows(res: Response): Promise<string[][]> {
  const text = await res.text();
  return text
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.split(","));
}

describe("overview", () => {
  test("totals, previous period, top N and buckets equal the truth for the viewer's ads", async () => {
    const o = await t.trpc(t.callers.advertiserA).dashboard.overview({ ...range, count: 5 });
    const truth = truthClicks(clicks, { fromMs: FROM, toMs: TO, adIds: setA });
    expect(o.total).toBe(truth.length);
    expect(o.previous.total).toBe(truthClicks(clicks, { fromMs: T0, toMs: FROM, adIds: setA }).length);
    expect(o.top.ads.map((a) => ({ adId: a.ad_id, count: a.count }))).toEqual(
      truthTopN(clicks, { fromMs: FROM, toMs: TO, adIds: setA }, 5),
    );
    const ad1 = o.top.ads.find((a) => a.ad_id === "ad-1");
    expect(ad1?.name).toBe("Acme ad-1");
    expect(ad1?.spark.reduce((a, b) => a + b, 0)).toBe(ad1?.count);
    expect(ad1?.previous).toBe(truthClicks(clicks, { fromMs: T0, toMs: FROM, adId: "ad-1" }).length);

    expect(o.buckets).toHaveLength(60);
    expect(o.buckets.reduce((a, b) => a + b.clicks, 0)).toBe(o.total);
    for (const b of o.buckets) {
      const ms = Date.parse(b.ts);
      expect(b.final).toBe(ms + MIN <= FINAL_UNTIL);
      // ad-1's corrections (US and DE); ad-4 belongs to another advertiser and marks nothing.
      expect(b.late_clicks).toBe(ms === T0 + 70 * MIN ? 5 : 0);
      // No reconciliation has run in this database: nothing is verified yet.
      expect(b.verified).toBe(false);
    }
    expect(o.verified_through).toBeNull();
    expect(o.as_of).toBe(new Date(FINAL_UNTIL).toISOString());
    expect(o.final).toBe(false);
  });

  test("filters: a country narrows the corrections too; ip and user_id come from the raw archive", async () => {
    const api = t.trpc(t.callers.advertiserA);
    const us = await api.dashboard.overview({ ...range, country: "US", count: 5 });
    expect(us.total).toBe(truthClicks(clicks, { fromMs: FROM, toMs: TO, adIds: setA, country: "US" }).length);
    expect(us.buckets.find((b) => b.late_clicks > 0)?.late_clicks).toBe(3);
    const ip = clicks[0]?.ip ?? "";
    const byIp = await api.dashboard.overview({ ...range, ip, count: 5 });
    expect(byIp.total).toBe(truthClicks(clicks, { fromMs: FROM, toMs: TO, adIds: setA, ip }).length);
    expect(byIp.top.source).toBe("raw");
    expect(await trpcCode(api.dashboard.overview({ ...range, country: "ZZ" }))).toBe("BAD_REQUEST");
    expect(await trpcCode(api.dashboard.overview({ ...range, today: true }))).toBe("BAD_REQUEST");
  });
});

describe("ad page", () => {
  test("series, breakdown and previous period of one ad; others' and unknown ads are NOT_FOUND", async () => {
    const api = t.trpc(t.callers.advertiserA);
    const d = await api.dashboard.ad({ ad_id: "ad-2", ...range });
    const truth = truthClicks(clicks, { fromMs: FROM, toMs: TO, adId: "ad-2" });
    expect(d.total).toBe(truth.length);
    expect(d.breakdown.reduce((a, r) => a + r.count, 0)).toBe(d.total);
    expect(d.breakdown.find((r) => r.country === "DE")?.count).toBe(truth.filter((c) => c.country === "DE").length);
    expect(d.name).toBe("Acme ad-2");
    expect(await trpcCode(api.dashboard.ad({ ad_id: ADS_B[0] as string, ...range }))).toBe("NOT_FOUND");
    expect(await trpcCode(api.dashboard.ad({ ad_id: "no-such-ad", ...range }))).toBe("NOT_FOUND");
    const ad1 = await api.dashboard.ad({ ad_id: "ad-1", ...range });
    expect(ad1.buckets.filter((b) => b.late_clicks > 0).map((b) => [b.ts, b.late_clicks])).toEqual([
      [new Date(T0 + 70 * MIN).toISOString(), 5],
    ]);
  });
});

describe("CSV export", () => {
  const q = `range=custom&from=${range.from}&to=${range.to}`;

  test("the top table's rows equal the overview, sorted as on screen", async () => {
    const o = await t.trpc(t.callers.advertiserA).dashboard.overview({ ...range, count: 5 });
    const res = await exportReq("overview-top.csv", `${q}&n=5&sort=ad&dir=asc`, t.keys.scopedA);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const rows = await csvRows(res);
    expect(rows[0]).toEqual(["rank", "ad_id", "name", "clicks", "previous_period_clicks", "change_pct"]);
    const byId = [...o.top.ads].sort((a, b) => (a.ad_id < b.ad_id ? -1 : 1));
    expect(rows.slice(1).map((r) => [r[1], Number(r[3])])).toEqual(byId.map((a) => [a.ad_id, a.count]));
  });

  test("the series rows equal the truth per minute and ad, times in the chosen zone", async () => {
    const res = await exportReq("overview-series.csv", `${q}&tz=Europe/Paris&country=US`, t.keys.scopedA);
    const text = await res.clone().text();
    expect(text).toContain("# time zone: Europe/Paris");
    expect(text).toContain("country=US, ip=any, user_id=any");
    const rows = (await csvRows(res)).slice(1);
    const truth = new Map<string, number>();
    for (const c of truthClicks(clicks, { fromMs: FROM, toMs: TO, adIds: setA, country: "US" })) {
      const k = `${Math.floor(c.ts / MIN) * MIN}|${c.adId}`;
      truth.set(k, (truth.get(k) ?? 0) + 1);
    }
    expect(rows).toHaveLength(truth.size);
    for (const [minute, adId, n, final, late] of rows) {
      expect(minute).toMatch(/\+01:00$/);
      const ms = Date.parse(minute ?? "");
      expect(Number(n)).toBe(truth.get(`${ms}|${adId}`));
      expect(final).toBe(String(ms + MIN <= FINAL_UNTIL));
      expect(Number(late)).toBe(ms === T0 + 70 * MIN && adId === "ad-1" ? 3 : 0);
    }
  });

  test("one ad's series is zero-filled and sums to its total; its breakdown equals the page", async () => {
    const d = await t.trpc(t.callers.advertiserA).dashboard.ad({ ad_id: "ad-3", ...range });
    const series = (await csvRows(await exportReq("ad-series.csv", `${q}&ad=ad-3`, t.keys.scopedA))).slice(1);
    expect(series).toHaveLength(60);
    expect(series.map((r) => Number(r[1]))).toEqual(d.buckets.map((b) => b.clicks));
    const breakdown = (await csvRows(await exportReq("ad-breakdown.csv", `${q}&ad=ad-3`, t.keys.scopedA))).slice(1);
    expect(breakdown.map((r) => [r[0], Number(r[1])])).toEqual(d.breakdown.map((r) => [r.country, r.count]));
  });

  test("bad parameters are 400 naming them; strangers 401; other advertisers' ads 404", async () => {
    const bad = async (query: string) => {
      const res = await exportReq("overview-top.csv", query, t.keys.scopedA);
      expect(res.status).toBe(400);
      return ((await res.json()) as { message: string }).message;
    };
    expect(await bad("country=ZZ")).toMatch(/^country: /);
    expect(await bad("range=9999")).toMatch(/^range: must be at most 1440/);
    expect(await bad("range=custom&from=2026-01-05T10:00:00Z")).toMatch(/^to: required/);
    expect(await bad("tz=Mars/Base")).toMatch(/^tz: /);
    expect(await bad("bogus=1")).toBe("bogus: unknown parameter");
    expect((await exportReq("ad-series.csv", q, t.keys.scopedA)).status).toBe(400);
    expect((await exportReq("overview-top.csv", q)).status).toBe(401);
    expect((await exportReq("ad-series.csv", `${q}&ad=${ADS_B[0]}`, t.keys.scopedA)).status).toBe(404);
    expect((await exportReq("nothing.csv", q, t.keys.scopedA)).status).toBe(404);
  });
});

describe("streamQuery", () => {
  test("reads in batches through a cursor, and an early stop frees the client", async () => {
    const sizes: number[] = [];
    for await (const rows of streamQuery<{ g: number }>(t.db, sql`select g from generate_series(1, 25) g`, 7)) {
      sizes.push(rows.length);
    }
    expect(sizes).toEqual([7, 7, 7, 4]);
    for await (const _rows of streamQuery(t.db, sql`select g from generate_series(1, 25) g`, 7)) break;
    expect(t.db.$client.totalCount - t.db.$client.idleCount).toBe(0);
    const again = streamQuery<{ n: number }>(t.db, sql`select count(*)::int as n from ads`);
    expect((await again.next()).value).toEqual([{ n: 6 }]);
    await again.return(undefined);
  });
});
