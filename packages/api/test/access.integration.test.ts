// The access matrix over tRPC (createCaller) and REST: every role and key scope against its own
// ads, other advertisers' ads, unknown ad ids, ops procedures and key management; missing,
// malformed and revoked keys get 401; a key over its rate limit gets 429 with Retry-After.
import { writeRollups } from "@adclicks/db/testing";
import { writeLiveWindows } from "@adclicks/live/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Caller } from "../src/access";
import { ADS_A, ADS_B, type ApiTestEnv, createApiTestEnv, trpcCode, UNKNOWN_AD } from "./api-test-env";

let t: ApiTestEnv;
const HEAD = Date.UTC(2026, 0, 5, 12, 0);

beforeAll(async () => {
  t = await createApiTestEnv("access", { nowMs: HEAD + 30_000 });
  const rows = [...ADS_A, ...ADS_B, UNKNOWN_AD].map((adId, i) => ({
    adId,
    minuteMs: HEAD,
    country: "US",
    clicks: 10 + i,
  }));
  await writeRollups(t.db, rows);
  await writeLiveWindows(t.redis, t.deps.redisKeys, rows);
});
afterAll(() => t?.cleanup());

type Role = "advertiserA" | "advertiserB" | "opsUser" | "keyAll" | "keyA" | "keyAB";
const visible: Record<Role, string[]> = {
  advertiserA: ADS_A,
  advertiserB: ADS_B,
  opsUser: [...ADS_A, ...ADS_B, UNKNOWN_AD],
  keyAll: [...ADS_A, ...ADS_B, UNKNOWN_AD],
  keyA: ADS_A,
  keyAB: [...ADS_A, ...ADS_B],
};

function callerFor(role: Role): Caller {
  if (role === "advertiserA" || role === "advertiserB" || role === "opsUser") return t.callers[role];
  const scope =
    role === "keyAll"
      ? ({ kind: "all" } as const)
      : { kind: "advertisers" as const, advertiserIds: role === "keyA" ? ["adv-a"] : ["adv-a", "adv-b"] };
  return { kind: "key", keyId: `key-${role}`, name: role, scope, rateLimitPerMinute: 1_000_000 };
}

describe("tRPC", () => {
  test.each(Object.keys(visible) as Role[])("%s sees exactly its ads; others are NOT_FOUND", async (role) => {
    const api = t.trpc(callerFor(role));
    for (const adId of [...ADS_A, ...ADS_B, UNKNOWN_AD]) {
      const call = api.ads.aggregatedCount({ ad_id: adId, minutes: 5 });
      if (visible[role].includes(adId)) {
        expect((await call).count).toBeGreaterThanOrEqual(10);
      } else {
        expect({ adId, code: await trpcCode(call) }).toEqual({ adId, code: "NOT_FOUND" });
        expect(await trpcCode(api.ads.breakdown({ ad_id: adId, minutes: 5 }))).toBe("NOT_FOUND");
      }
    }
    const top = await api.ads.popularAds({ count: 100, window: 5 });
    expect(top.ads.map((a) => a.ad_id).sort()).toEqual([...visible[role]].sort());
    const mixed = api.ads.series({ ad_ids: [ADS_A[0] as string, ADS_B[0] as string], minutes: 5 });
    expect(await trpcCode(mixed)).toBe(
      role === "opsUser" || role === "keyAll" || role === "keyAB" ? "OK" : "NOT_FOUND",
    );
  });

  test.each(Object.keys(visible) as Role[])("%s: ops and key management need the ops role", async (role) => {
    const api = t.trpc(callerFor(role));
    const expected = role === "opsUser" ? "OK" : "FORBIDDEN";
    expect(await trpcCode(api.ops.health())).toBe(expected);
    expect(await trpcCode(api.keys.list())).toBe(expected);
  });

  test("anonymous callers and refused keys get UNAUTHORIZED everywhere", async () => {
    const refused: Caller[] = [
      t.callers.anonymous,
      { kind: "rejected-key", reason: "malformed" },
      { kind: "rejected-key", reason: "revoked" },
      { kind: "rejected-key", reason: "unknown" },
    ];
    for (const caller of refused) {
      const api = t.trpc(caller);
      expect(await trpcCode(api.ads.aggregatedCount({ ad_id: "ad-1", minutes: 5 }))).toBe("UNAUTHORIZED");
      expect(await trpcCode(api.ads.popularAds({ count: 5, window: 5 }))).toBe("UNAUTHORIZED");
      expect(await trpcCode(api.ops.health())).toBe("UNAUTHORIZED");
      expect(await trpcCode(api.keys.create({ name: "x", scope: "all" }))).toBe("UNAUTHORIZED");
    }
  });

  test("ops can create and revoke keys; the new key works until revoked", async () => {
    const ops = t.trpc(t.callers.opsUser);
    const created = await ops.keys.create({ name: "from-admin", scope: ["adv-b"] });
    expect(created.key).toMatch(/^acp_/);
    expect((await t.rest("/ads/ad-4/aggregated_count?minutes=5", { key: created.key })).status).toBe(200);
    expect((await t.rest("/ads/ad-1/aggregated_count?minutes=5", { key: created.key })).status).toBe(404);
    await ops.keys.revoke({ id: created.id });
    expect((await t.rest("/ads/ad-4/aggregated_count?minutes=5", { key: created.key })).status).toBe(401);
    const listed = (await ops.keys.list()).find((k) => k.id === created.id);
    expect(listed).toMatchObject({ scope: ["adv-b"], created_by: "x@example.com" });
    expect(listed?.revoked_at).not.toBeNull();
    expect(await trpcCode(ops.keys.revoke({ id: "key_000000000000" }))).toBe("NOT_FOUND");
    expect(await trpcCode(ops.keys.create({ name: "bad", scope: ["adv-nope"] }))).toBe("BAD_REQUEST");
  });
});

describe("REST", () => {
  test("own ads 200, other advertisers' and unknown ads 404 without the number, per key scope", async () => {
    const cases: [keyof ApiTestEnv["keys"], string, number][] = [
      ["scopedA", "ad-1", 200],
      ["scopedA", "ad-4", 404],
      ["scopedA", UNKNOWN_AD, 404],
      ["scopedAB", "ad-4", 200],
      ["scopedAB", UNKNOWN_AD, 404],
      ["all", "ad-4", 200],
      ["all", UNKNOWN_AD, 200],
      ["all", "never-clicked", 200],
    ];
    for (const [key, adId, status] of cases) {
      const res = await t.rest(`/ads/${adId}/aggregated_count?minutes=5`, { key: t.keys[key] });
      const body = (await res.json()) as Record<string, unknown>;
      expect({ key, adId, status: res.status }).toEqual({ key, adId, status });
      if (status === 404) {
        expect(body).not.toHaveProperty("count");
        expect(body.message).toMatch(/not found/);
      } else {
        expect(body).toMatchObject({ ad_id: adId, count: expect.any(Number) });
      }
    }
  });

  test("popular_ads lists only ads in the key's scope", async () => {
    const res = await t.rest("/ads/popular_ads?count=100&window=5", { key: t.keys.scopedA });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ads: { ad_id: string }[] };
    expect(body.ads.map((a) => a.ad_id).sort()).toEqual([...ADS_A].sort());
  });

  test("missing, malformed, unknown, revoked and non-bearer credentials get 401", async () => {
    const path = "/ads/ad-1/aggregated_count?minutes=5";
    const attempts = [
      {},
      { key: "not-a-key" },
      { key: `acp_aaaaaaaaaaaa_${"x".repeat(43)}` },
      { key: t.keys.revoked },
      { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` },
      { authorization: "Bearer" },
    ];
    for (const init of attempts) {
      const res = await t.rest(path, init);
      expect({ init, status: res.status }).toEqual({ init, status: 401 });
      expect(((await res.json()) as { message: string }).message.length).toBeGreaterThan(0);
    }
    const revoked = await t.rest(path, { key: t.keys.revoked });
    expect(((await revoked.json()) as { message: string }).message).toMatch(/revoked/);
    expect((await t.rest("/ads/popular_ads", {})).status).toBe(401);
  });

  test("a key over its per-minute limit gets 429 with Retry-After", async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 5; i++) {
      last = await t.rest("/ads/popular_ads?count=1&window=1", { key: t.keys.limited });
      statuses.push(last.status);
    }
    // A minute boundary may reset the window once during the loop; at least one call is refused.
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    const refused = await t.rest("/ads/popular_ads?count=1&window=1", { key: t.keys.limited });
    if (refused.status === 429) {
      const retry = Number(refused.headers.get("retry-after"));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
      expect(((await refused.json()) as { message: string }).message).toMatch(/rate limit/);
    }
    // Other keys are unaffected.
    expect((await t.rest("/ads/popular_ads?count=1&window=1", { key: t.keys.all })).status).toBe(200);
  });

  test("the Authorization header wins over anything else: a bad key is refused outright", async () => {
    const res = await t.rest("/ads/ad-1/aggregated_count?minutes=5", { key: `${t.keys.all}x` });
    expect(res.status).toBe(401);
  });
});
