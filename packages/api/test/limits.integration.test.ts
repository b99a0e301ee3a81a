// Limits of the web API against real Postgres and Redis: signed-in users are rate limited like
// keys (429 with Retry-After), tRPC batches are capped (400 saying so), and a query that runs
// into the statement timeout, or finds no free connection, is a 503 with Retry-After, not a hang.
import { createDb, type Db } from "@adclicks/db/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { handleTrpcRequest } from "../src/http";
import { MAX_BATCH_SIZE } from "../src/limits";
import type { ApiDeps } from "../src/trpc";
import { type ApiTestEnv, addUser, cookieOf, createApiTestEnv, trpcCode } from "./api-test-env";

let t: ApiTestEnv;
let auth: ReturnType<ApiTestEnv["auth"]>;

beforeAll(async () => {
  t = await createApiTestEnv("limits");
  auth = t.auth();
  for (const id of ["u-limit-1", "u-limit-2"]) {
    await addUser(t.db, {
      id,
      email: `${id}@example.com`,
      role: "advertiser",
      advertiserId: "adv-a",
      password: "pass-of-a-user",
    });
  }
});
afterAll(() => t?.cleanup());

async function signedIn(id: string): Promise<string> {
  const res = await auth.api.signInEmail({
    body: { email: `${id}@example.com`, password: "pass-of-a-user" },
    asResponse: true,
  });
  expect(res.status).toBe(200);
  return cookieOf(res);
}

const trpcGet = (deps: ApiDeps, path: string, headers: Record<string, string>, query = "") =>
  handleTrpcRequest(new Request(`http://localhost/api/trpc/${path}${query}`, { headers }), deps, () => {});

describe("signed-in users", () => {
  test("are rate limited per user (429 with Retry-After); other users are not affected", async () => {
    const deps = { ...t.deps, auth, userRateLimitPerMinute: 3 };
    const [first, second] = [await signedIn("u-limit-1"), await signedIn("u-limit-2")];
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await trpcGet(deps, "ads.list", { cookie: first });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    // A minute boundary may reset the window once during the loop; at least one call is refused.
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    const retry = Number(refused?.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    const body = (await refused?.json()) as { error: { json: { message: string } } };
    expect(body.error.json.message).toMatch(/rate limit of 3 requests per minute exceeded/);
    expect((await trpcGet(deps, "ads.list", { cookie: second })).status).toBe(200);
  });

  test("createCaller: the limit holds for ops procedures too", async () => {
    const deps = { ...t.deps, userRateLimitPerMinute: 2 };
    const ops = t.trpc({ ...t.callers.opsUser, userId: "u-ops-limited" } as typeof t.callers.opsUser, deps);
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await trpcCode(ops.ops.advertisers()));
    expect(codes.slice(0, 2)).toEqual(["OK", "OK"]);
    expect(codes).toContain("TOO_MANY_REQUESTS");
  });
});

describe("tRPC batches", () => {
  const batch = (n: number) => {
    const paths = Array.from({ length: n }, () => "ads.list").join(",");
    const input = encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [i, {}]))));
    return trpcGet(t.deps, paths, { authorization: `Bearer ${t.keys.all}` }, `?batch=1&input=${input}`);
  };

  test(`up to ${MAX_BATCH_SIZE} calls are answered; more are a 400 that says so`, async () => {
    expect((await batch(MAX_BATCH_SIZE)).status).toBe(200);
    const res = await batch(MAX_BATCH_SIZE + 1);
    expect(res.status).toBe(400);
    const body = (await res.json()) as
      | { error: { json: { message: string } } }[]
      | { error: { json: { message: string } } };
    const message = Array.isArray(body) ? body[0]?.error.json.message : body.error.json.message;
    expect(message).toBe(`batch: at most ${MAX_BATCH_SIZE} calls per batch request; split the batch`);
  });
});

describe("a database that cannot answer in time", () => {
  let slowDb: Db;
  let locker: Db;
  beforeAll(() => {
    slowDb = createDb(t.env.databaseUrl, 2, { statementTimeoutMs: 300 });
    locker = createDb(t.env.databaseUrl, 1);
  });
  afterAll(async () => {
    await slowDb?.$client.end();
    await locker?.$client.end();
  });

  test("a query past the statement timeout (waiting on a lock) is a 503 with Retry-After, in time", async () => {
    const deps: ApiDeps = { ...t.deps, db: slowDb };
    const held = await locker.$client.connect();
    try {
      // A second connection holds the catalog: every scoped access check now waits on it.
      await held.query("begin");
      await held.query("lock table ads in access exclusive mode");
      const started = Date.now();
      const rest = await t.rest("/ads/ad-1/aggregated_count?minutes=5", { key: t.keys.scopedA }, deps);
      expect(rest.status).toBe(503);
      expect(Number(rest.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(((await rest.json()) as { message: string }).message).toMatch(/did not answer in time/);
      const trpc = await trpcGet(deps, "ads.list", { authorization: `Bearer ${t.keys.scopedA}` });
      expect(trpc.status).toBe(503);
      expect(trpc.headers.get("retry-after")).not.toBeNull();
      expect(await trpcCode(t.trpc(t.callers.advertiserA, deps).ads.list())).toBe("SERVICE_UNAVAILABLE");
      // Three requests, each cancelled after 300 ms: nowhere near a hung request.
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await held.query("rollback");
      held.release();
    }
    // Without the lock the same query answers.
    expect((await t.rest("/ads/ad-1/aggregated_count?minutes=5", { key: t.keys.scopedA }, deps)).status).toBe(200);
  });

  test("no free connection within the pool's connection timeout is a 503 too", async () => {
    const tiny = createDb(t.env.databaseUrl, 1, { connectionTimeoutMs: 200 });
    const held = await tiny.$client.connect();
    try {
      const res = await t.rest(
        "/ads/ad-1/aggregated_count?minutes=5",
        { key: t.keys.scopedA },
        { ...t.deps, db: tiny },
      );
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).not.toBeNull();
    } finally {
      held.release();
      await tiny.$client.end();
    }
  });
});
