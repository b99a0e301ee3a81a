// Validation over REST and tRPC: out-of-range N and M, from after to, bad dates, unknown
// filters, bad filter values → 400 with a message naming the field; nothing answers 500.
// Also the REST answers' caching and compression headers.

import { writeLiveWindows } from "@adclicks/live/testing";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { handleTrpcRequest } from "../src/http";
import { type ApiTestEnv, createApiTestEnv } from "./api-test-env";

let t: ApiTestEnv;
beforeAll(async () => {
  t = await createApiTestEnv("validation", { nowMs: Date.UTC(2026, 0, 5, 12, 0, 30) });
});
afterAll(() => t?.cleanup());

const COUNT = "/ads/ad-1/aggregated_count";
const POPULAR = "/ads/popular_ads";

// [path, the field the message must name (as "field:")]
const BAD: [string, string][] = [
  [`${POPULAR}?count=0`, "count"],
  [`${POPULAR}?count=1001`, "count"],
  [`${POPULAR}?count=abc`, "count"],
  [`${POPULAR}?count=2.5`, "count"],
  [`${POPULAR}?window=0`, "window"],
  [`${POPULAR}?window=1441`, "window"],
  [`${POPULAR}?window=-5`, "window"],
  [`${POPULAR}?country=XX`, "country"],
  [`${POPULAR}?ip=999.1.1.1`, "ip"],
  [`${POPULAR}?user_id=`, "user_id"],
  [`${POPULAR}?sort=asc`, "sort"],
  [`${POPULAR}?from=2026-01-01T00:00:00Z`, "from"],
  [`${COUNT}?minutes=0`, "minutes"],
  [`${COUNT}?minutes=1441`, "minutes"],
  [`${COUNT}`, "minutes"],
  [`${COUNT}?minutes=5&from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z`, "minutes"],
  [`${COUNT}?from=2026-01-01T02:00:00Z&to=2026-01-01T01:00:00Z`, "from"],
  [`${COUNT}?from=1767232800000&to=1767229200000`, "from"],
  [`${COUNT}?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`, "from"],
  [`${COUNT}?from=2026-01-01T00:00:00Z`, "to"],
  [`${COUNT}?to=2026-01-01T00:00:00Z`, "from"],
  [`${COUNT}?from=yesterday&to=2026-01-01T00:00:00Z`, "from"],
  [`${COUNT}?from=2026-01-01T00:00:00Z&to=2026-13-45T00:00:00Z`, "to"],
  [`${COUNT}?from=2026-01-01T00:00:00&to=2026-01-01T01:00:00Z`, "from"],
  [`${COUNT}?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z`, "to"],
  [`${COUNT}?minutes=5&foo=bar`, "foo"],
  [`${COUNT}?minutes=5&country=usa`, "country"],
  [`${COUNT}?minutes=5&ip=1.2.3`, "ip"],
  ["/ads/bad%20id!/aggregated_count?minutes=5", "ad_id"],
  ["/ads/ad-1/breakdown?minutes=5&dimension=city", "dimension"],
  // Issue 13: each answered 500 before (Postgres text cannot hold NUL; dates end at 8.64e15 ms).
  [`${POPULAR}?user_id=%00`, "user_id"],
  [`${COUNT}?minutes=5&user_id=a%00b`, "user_id"],
  [`${COUNT}?from=8640000000060000&to=8640000000120000`, "from"],
  [`${POPULAR}?country=%09US`, "country"],
];

describe("REST", () => {
  test.each(BAD)("GET %s → 400 naming %s", async (path, field) => {
    const res = await t.rest(path, { key: t.keys.all });
    const body = (await res.json()) as { message: string; code: string };
    expect({ status: res.status, message: body.message }).toEqual({
      status: 400,
      message: expect.stringContaining(`${field}:`),
    });
    expect(body.code).toBe("BAD_REQUEST");
  });

  test("valid edge values are accepted: N = 1000, M = 1440, epoch ms and ISO dates, lower-case country", async () => {
    for (const path of [
      `${POPULAR}?count=1000&window=1440`,
      `${POPULAR}?count=1&window=1&country=de`,
      `${COUNT}?from=1767225600000&to=1767229200000`,
      `${COUNT}?from=2026-01-01T00:00:00%2B02:00&to=2026-01-01T01:00:00Z`,
      `${COUNT}?minutes=1440&ip=2001:db8::1&user_id=u-1`,
    ]) {
      const res = await t.rest(path, { key: t.keys.all });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
  });

  test("nothing a client sends makes a 500", async () => {
    const junk = [
      "/ads/popular_ads?count=%00",
      "/ads/popular_ads?count=1e309",
      "/ads/popular_ads?window=NaN",
      "/ads/popular_ads?count=1&count=2",
      `/ads/${"a".repeat(500)}/aggregated_count?minutes=1`,
      "/ads/ad-1/aggregated_count?from=99999999999999999999&to=1",
      "/ads/ad-1/aggregated_count?from=-1&to=5",
      "/ads/ad-1/aggregated_count?minutes=5&country=%F0%9F%98%80",
      `/ads/ad-1/aggregated_count?minutes=5&user_id=${"u".repeat(1000)}`,
      "/nope",
      "/ads/ad-1",
    ];
    for (const path of junk) {
      const res = await t.rest(path, { key: t.keys.all });
      expect({ path, ok: res.status >= 400 && res.status < 500 }).toEqual({ path, ok: true });
    }
    const post = await t.rest(POPULAR, { key: t.keys.all, method: "POST" });
    expect(post.status).toBeGreaterThanOrEqual(400);
    expect(post.status).toBeLessThan(500);
  });
});

describe("REST headers", () => {
  test("answers under 1 KiB and errors are sent as is (no-transform); larger ones may be compressed", async () => {
    const head = Date.UTC(2026, 0, 5, 12, 0);
    const rows = Array.from({ length: 60 }, (_, i) => ({
      adId: `ad-${i + 1}`,
      minuteMs: head,
      country: "US",
      clicks: 5,
    }));
    await writeLiveWindows(t.redis, t.deps.redisKeys, rows, { nowMs: head });
    const small = await t.rest(`${COUNT}?minutes=1`, { key: t.keys.all });
    expect({ status: small.status, cacheControl: small.headers.get("cache-control") }).toEqual({
      status: 200,
      cacheControl: "no-store, no-transform",
    });
    expect(((await small.json()) as { count: number }).count).toBe(5);
    const large = await t.rest(`${POPULAR}?count=60&window=1`, { key: t.keys.all });
    const body = await large.text();
    expect(body.length).toBeGreaterThanOrEqual(1024);
    expect({ status: large.status, cacheControl: large.headers.get("cache-control") }).toEqual({
      status: 200,
      cacheControl: "no-store",
    });
    expect((JSON.parse(body) as { ads: unknown[] }).ads).toHaveLength(60);
    const bad = await t.rest(`${POPULAR}?count=0`, { key: t.keys.all });
    expect(bad.headers.get("cache-control")).toBe("no-store, no-transform");
    const refused = await t.rest(COUNT, {});
    expect({ status: refused.status, cacheControl: refused.headers.get("cache-control") }).toEqual({
      status: 401,
      cacheControl: "no-store, no-transform",
    });
  });

  test("HEAD, which answers without a body, still works", async () => {
    const res = await t.rest("/nope", { key: t.keys.all, method: "HEAD" });
    expect(res.status).toBe(204);
  });
});

describe("tRPC", () => {
  test("createCaller: the same rules, with the field in the error message", async () => {
    const api = t.trpc(t.callers.opsUser);
    const cases: (() => Promise<unknown>)[] = [
      () => api.ads.popularAds({ count: 1001, window: 5 }),
      () => api.ads.popularAds({ count: 5, window: 0 }),
      () => api.ads.aggregatedCount({ ad_id: "ad-1", from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z" }),
      () => api.ads.aggregatedCount({ ad_id: "ad-1", from: "soon", to: "2026-01-01T00:00:00Z" }),
      () => api.ads.series({ ad_ids: [], minutes: 5 }),
      () => api.ads.series({ ad_ids: ["ad-1"], minutes: 5, from: "1767225600000" }),
      () => api.keys.create({ name: "", scope: "all" }),
      () => api.keys.revoke({ id: "nope" }),
    ];
    const fields = ["count", "window", "from", "from", "ad_ids", "minutes", "name", "id"];
    for (const [i, call] of cases.entries()) {
      const err = (await call().then(
        () => null,
        (e: unknown) => e,
      )) as { code: string; message: string } | null;
      expect({ i, code: err?.code, message: err?.message }).toEqual({
        i,
        code: "BAD_REQUEST",
        message: expect.stringContaining(`${fields[i]}:`),
      });
    }
    // Minute buckets over more than a day is a query-layer rule: still a 400 naming the field.
    const err = await api.ads
      .series({ ad_ids: ["ad-1"], from: "2026-01-01T00:00:00Z", to: "2026-01-03T00:00:00Z", granularity: "minute" })
      .catch((e: { code: string; message: string }) => e);
    expect(err).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("granularity:") });
  });
});

describe("tRPC over HTTP", () => {
  test("errors carry the field in the message and the flattened zod issues in data", async () => {
    const input = encodeURIComponent(JSON.stringify(superjson.serialize({ count: 0, window: 5 })));
    const res = await handleTrpcRequest(
      new Request(`http://localhost/api/trpc/ads.popularAds?input=${input}`, {
        headers: { authorization: `Bearer ${t.keys.all}` },
      }),
      t.deps,
      () => {},
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { json: { message: string; data: { zodError: { fieldErrors: Record<string, string[]> } } } };
    };
    expect(body.error.json.message).toBe("count: must be at least 1");
    expect(body.error.json.data.zodError.fieldErrors.count).toEqual(["must be at least 1"]);
  });
});
