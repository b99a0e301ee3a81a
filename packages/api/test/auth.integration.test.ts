// Sign-in and provisioning: the demo seed (idempotent) creates users that sign in through
// better-auth, whose session cookie resolves to the right viewer; the keys CLI creates keys
// (printed once on stdout) and revokes them.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { authUser } from "@adclicks/db/auth-schema";
import { ads, advertisers, apiKeys } from "@adclicks/db/catalog-schema";
import { DEMO_USERS, seedDemoData } from "@adclicks/db/seed";
import { and, eq, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { resolveCaller } from "../src/trpc";
import { type ApiTestEnv, createApiTestEnv } from "./api-test-env";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
let t: ApiTestEnv;
let auth: ReturnType<ApiTestEnv["auth"]>;
const credentialsPath = join(mkdtempSync(join(tmpdir(), "seed-")), "demo-credentials.txt");

beforeAll(async () => {
  t = await createApiTestEnv("auth");
  auth = t.auth();
});
afterAll(() => t?.cleanup());

async function signIn(email: string, password: string): Promise<Response> {
  return auth.api.signInEmail({ body: { email, password }, asResponse: true });
}

function cookieHeader(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

describe("demo seed", () => {
  test("is idempotent: same catalog, users and one working partner key after two runs", async () => {
    const first = await seedDemoData(t.db, { webUrl: "http://localhost:3000", credentialsPath });
    const second = await seedDemoData(t.db, { webUrl: "http://localhost:3000", credentialsPath });
    expect(second.partnerKey).toBe(first.partnerKey);
    const count = async (table: typeof advertisers | typeof ads | typeof authUser) =>
      Number((await t.db.select({ n: sql<number>`count(*)` }).from(table))[0]?.n);
    expect(await count(advertisers)).toBe(2); // adv-a and adv-b: the test env's, renamed by the seed
    expect((await t.db.select().from(ads).where(eq(ads.advertiserId, "adv-a"))).map((a) => a.id)).toContain("ad-25");
    expect((await t.db.select().from(ads).where(eq(ads.id, "ad-26")))[0]?.advertiserId).toBe("adv-b");
    expect(await count(authUser)).toBe(3);
    const active = await t.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.name, "demo-partner"), isNull(apiKeys.revokedAt)));
    expect(active).toHaveLength(1);
    const file = readFileSync(credentialsPath, "utf8");
    expect(file).toContain(first.partnerKey);
    for (const u of DEMO_USERS) expect(file).toContain(`${u.email} / ${u.password}`);
    const res = await t.rest("/ads/popular_ads?count=5&window=5", { key: first.partnerKey });
    expect(res.status).toBe(200);
  });

  test("seeded users sign in with better-auth; the session resolves to their role and advertiser", async () => {
    await seedDemoData(t.db, { webUrl: "http://localhost:3000", credentialsPath });
    const deps = { ...t.deps, auth };
    for (const u of DEMO_USERS) {
      const res = await signIn(u.email, u.password);
      expect({ email: u.email, status: res.status }).toEqual({ email: u.email, status: 200 });
      const caller = await resolveCaller(deps, new Headers({ cookie: cookieHeader(res) }));
      expect(caller).toMatchObject(
        u.role === "ops"
          ? { kind: "user", role: "ops", email: u.email }
          : { kind: "user", role: "advertiser", advertiserId: u.advertiserId },
      );
    }
  });

  test("wrong passwords and sign-up are refused; no cookie means anonymous", async () => {
    const user = DEMO_USERS[1];
    const bad = await signIn(user?.email ?? "", "wrong-password");
    expect(bad.status).toBe(401);
    const signUp = await auth.api
      .signUpEmail({ body: { email: "new@example.com", password: "whatever-123", name: "New" }, asResponse: true })
      .catch((e: { statusCode?: number }) => ({ status: e.statusCode ?? 0 }));
    expect(signUp.status).toBeGreaterThanOrEqual(400);
    expect(await resolveCaller({ ...t.deps, auth }, new Headers())).toEqual({ kind: "anonymous" });
  });
});

describe("keys CLI", () => {
  const cli = (...args: string[]) =>
    run(process.execPath, ["--import", "tsx", "packages/api/src/keys-cli.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.env.databaseUrl },
    });

  test("create prints only the key on stdout; it works until revoked", async () => {
    const created = await cli("create", "--name", "cli test", "--scope", "adv-a");
    const key = created.stdout.trim();
    expect(key).toMatch(/^acp_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const id = /created (key_[a-z0-9]{12})/.exec(created.stderr)?.[1];
    expect(id).toBeDefined();
    expect((await t.rest("/ads/ad-1/aggregated_count?minutes=5", { key })).status).toBe(200);
    // ad-26 is adv-b's once seeded, and unknown before: out of scope either way.
    expect((await t.rest("/ads/ad-26/aggregated_count?minutes=5", { key })).status).toBe(404);
    const listed = await cli("list");
    expect(listed.stdout).toContain(`${id}\tcli test\tadv-a`);
    await cli("revoke", id ?? "");
    expect((await t.rest("/ads/ad-1/aggregated_count?minutes=5", { key })).status).toBe(401);
  });

  test("bad flags exit 2 with a message naming the flag", async () => {
    const attempts: [string[], RegExp][] = [
      [["create", "--scope", "all"], /--name is required/],
      [["create", "--name", "x"], /--scope is required/],
      [["create", "--name", "x", "--scope", "adv-nope"], /scope: unknown advertiser adv-nope/],
      [["create", "--name", "x", "--scope", "all", "--rate-limit", "0"], /--rate-limit must be ≥ 1/],
      [["revoke", "nope"], /key id like/],
      [["frobnicate"], /usage:/],
    ];
    for (const [args, message] of attempts) {
      const err = (await cli(...args).then(
        () => null,
        (e: unknown) => e,
      )) as { code: number; stderr: string } | null;
      expect({ args, code: err?.code, stderr: err?.stderr }).toEqual({
        args,
        code: 2,
        stderr: expect.stringMatching(message),
      });
    }
  });
});
