// Shared setup for the API's integration tests: an isolated database and Redis prefix with a
// small catalog (adv-a: ad-1..ad-3, adv-b: ad-4..ad-6), partner keys of every scope, callers for
// every role, and helpers to call the router (createCaller) and the REST handler (Request objects).
// The deps carry the verified-key cache as the web app does, so revocations are tested through it.

import { authAccount, authUser, type UserRole } from "@adclicks/db/auth-schema";
import { ads, advertisers } from "@adclicks/db/catalog-schema";
import { createDb, type Db } from "@adclicks/db/client";
import { createApiKey, createApiKeyCache, revokeApiKey } from "@adclicks/db/queries";
import { createLiveWindows, createRedis, redisKeys } from "@adclicks/live";
import { createTestEnv, type TestEnv } from "@adclicks/test-utils";
import { hashPassword } from "better-auth/crypto";
import type { Redis } from "ioredis";
import type { Caller } from "../src/access";
import { type AuthOptions, createAuth } from "../src/auth";
import { handleRestRequest } from "../src/http";
import { createCaller } from "../src/root";
import { type ApiDeps, createInnerContext } from "../src/trpc";

export const ADS_A = ["ad-1", "ad-2", "ad-3"];
export const ADS_B = ["ad-4", "ad-5", "ad-6"];
export const UNKNOWN_AD = "zz-unknown";

export interface ApiTestEnv {
  env: TestEnv;
  db: Db;
  redis: Redis;
  deps: ApiDeps;
  keys: { all: string; scopedA: string; scopedAB: string; revoked: string; limited: string };
  callers: Record<"anonymous" | "opsUser" | "advertiserA" | "advertiserB", Caller>;
  trpc(caller: Caller, deps?: ApiDeps): ReturnType<typeof createCaller>;
  /** better-auth on this environment's database and Redis prefix (sign-in limits included). */
  auth(opts?: Partial<AuthOptions>): ReturnType<typeof createAuth>;
  rest(
    path: string,
    init?: { key?: string; authorization?: string; method?: string },
    deps?: ApiDeps,
  ): Promise<Response>;
  cleanup(): Promise<void>;
}

/** `nowMs`: the queries' clock ("the last M minutes" end with its minute), pinned for fixtures. */
export async function createApiTestEnv(label: string, opts: { nowMs?: number } = {}): Promise<ApiTestEnv> {
  const env = await createTestEnv(label);
  const db = createDb(env.databaseUrl, 4);
  const redis = createRedis(env.redisUrl);
  const keyCache = createApiKeyCache({ databaseUrl: env.databaseUrl });
  await keyCache.start(); // listening from the first request, as in a warmed-up web process
  const keys = redisKeys(env.redisPrefix);
  const now = opts.nowMs === undefined ? Date.now : () => opts.nowMs as number;
  // Tests call far faster than people: the users' limit has a test of its own (limits.integration).
  const deps: ApiDeps = {
    db,
    redis,
    redisKeys: keys,
    live: createLiveWindows(redis, keys),
    now,
    keyCache,
    userRateLimitPerMinute: 1e9,
  };
  await db.insert(advertisers).values([
    { id: "adv-a", name: "Acme" },
    { id: "adv-b", name: "Bluebird" },
  ]);
  await db
    .insert(ads)
    .values([
      ...ADS_A.map((id) => ({ id, advertiserId: "adv-a", name: `Acme ${id}` })),
      ...ADS_B.map((id) => ({ id, advertiserId: "adv-b", name: `Bluebird ${id}` })),
    ]);
  const all = await createApiKey(db, { name: "billing", scope: { kind: "all" } });
  const scopedA = await createApiKey(db, {
    name: "agency-a",
    scope: { kind: "advertisers", advertiserIds: ["adv-a"] },
  });
  const scopedAB = await createApiKey(db, {
    name: "agency-ab",
    scope: { kind: "advertisers", advertiserIds: ["adv-a", "adv-b"] },
  });
  const revoked = await createApiKey(db, { name: "old", scope: { kind: "all" } });
  await revokeApiKey(db, revoked.id);
  const limited = await createApiKey(db, { name: "tiny", scope: { kind: "all" }, rateLimitPerMinute: 3 });

  const base = { email: "x@example.com", name: "X" };
  return {
    env,
    db,
    redis,
    deps,
    keys: { all: all.key, scopedA: scopedA.key, scopedAB: scopedAB.key, revoked: revoked.key, limited: limited.key },
    callers: {
      anonymous: { kind: "anonymous" },
      opsUser: { kind: "user", userId: "u-ops", role: "ops", ...base },
      advertiserA: { kind: "user", userId: "u-a", role: "advertiser", advertiserId: "adv-a", ...base },
      advertiserB: { kind: "user", userId: "u-b", role: "advertiser", advertiserId: "adv-b", ...base },
    },
    trpc: (caller, d = deps) => createCaller(createInnerContext(d, caller)),
    auth: (opts = {}) =>
      createAuth({
        db,
        secret: "test-secret-test-secret-test-secret-0123",
        baseURL: "http://localhost:3000",
        redis,
        redisTag: deps.redisKeys.tag,
        ...opts,
      }),
    rest: (path, init = {}, d = deps) => {
      const headers = new Headers();
      if (init.key) headers.set("authorization", `Bearer ${init.key}`);
      if (init.authorization) headers.set("authorization", init.authorization);
      return handleRestRequest(
        new Request(`http://localhost/api/v1${path}`, { method: init.method ?? "GET", headers }),
        d,
        () => {},
      );
    },
    cleanup: async () => {
      const stale = await redis.keys(`{${env.redisPrefix}}*`);
      if (stale.length > 0) await redis.del(...stale);
      redis.disconnect();
      await keyCache.close();
      await db.$client.end();
      await env.cleanup();
    },
  };
}

/** The tRPC error code a call failed with ("OK" if it did not fail). */
export async function trpcCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "OK";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

/** A dashboard user who signs in through better-auth with `password` (as the seed makes them). */
export async function addUser(
  db: Db,
  u: { id: string; email: string; role: UserRole; advertiserId?: string; password: string },
): Promise<void> {
  await db.insert(authUser).values({
    id: u.id,
    name: u.id,
    email: u.email,
    emailVerified: true,
    role: u.role,
    advertiserId: u.advertiserId ?? null,
  });
  await db.insert(authAccount).values({
    id: `${u.id}-credential`,
    accountId: u.id,
    providerId: "credential",
    userId: u.id,
    password: await hashPassword(u.password),
  });
}

/** The Cookie header that carries the session a sign-in response set. */
export function cookieOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}
