// Sign-in and provisioning: the demo seed (idempotent, and holding no known credential: its
// passwords and keys are generated once per install, into a 0600 file, and never reset) creates
// users that sign in through better-auth, whose session cookie resolves to the right viewer; the
// keys CLI and the admin procedures create keys of both kinds (printed once) and revoke them.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { authAccount, authUser } from "@adclicks/db/auth-schema";
import { ads, advertisers, apiKeys } from "@adclicks/db/catalog-schema";
import { verifyIngestKey } from "@adclicks/db/queries";
import { type DemoCredentials, seedDemoData } from "@adclicks/db/seed";
import { hashPassword } from "better-auth/crypto";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { resolveCaller } from "../src/trpc";
import { type ApiTestEnv, createApiTestEnv, trpcCode } from "./api-test-env";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
let t: ApiTestEnv;
let auth: ReturnType<ApiTestEnv["auth"]>;
/** One install's files (a checkout's .data/), and a second install's. */
const install = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `seed-${name}-`));
  return { secretsPath: join(dir, "demo-credentials.json"), textPath: join(dir, "demo-credentials.txt") };
};
const first = install("first");
const second = install("second");
const webUrl = "http://localhost:3000";

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

async function passwordHashes(): Promise<string[]> {
  const rows = await t.db.select({ hash: authAccount.password }).from(authAccount).orderBy(asc(authAccount.id));
  return rows.map((r) => r.hash ?? "");
}

const activeKeys = (name: string) =>
  t.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.name, name), isNull(apiKeys.revokedAt)));

describe("demo seed", () => {
  let creds: DemoCredentials;

  test("is idempotent: same catalog, users, password hashes and keys after two runs", async () => {
    creds = await seedDemoData(t.db, { webUrl, ...first });
    const hashes = await passwordHashes();
    const again = await seedDemoData(t.db, { webUrl, ...first });
    expect(await passwordHashes()).toEqual(hashes); // no password reset at start
    expect(again.users.map((u) => u.password)).toEqual(creds.users.map((u) => u.password));
    expect(again.partner.key).toBe(creds.partner.key);
    expect(again.ingest.key).toBe(creds.ingest.key);
    const count = async (table: typeof advertisers | typeof ads | typeof authUser) =>
      Number((await t.db.select({ n: sql<number>`count(*)` }).from(table))[0]?.n);
    expect(await count(advertisers)).toBe(2); // adv-a and adv-b: the test env's, renamed by the seed
    expect((await t.db.select().from(ads).where(eq(ads.advertiserId, "adv-a"))).map((a) => a.id)).toContain("ad-25");
    expect((await t.db.select().from(ads).where(eq(ads.id, "ad-26")))[0]?.advertiserId).toBe("adv-b");
    expect(await count(authUser)).toBe(3);
    expect(await activeKeys("demo-partner")).toHaveLength(1);
    expect(await activeKeys("demo-adserver")).toHaveLength(1);
    expect((await t.rest("/ads/popular_ads?count=5&window=5", { key: creds.partner.key })).status).toBe(200);
    expect((await verifyIngestKey(t.db, creds.ingest.key)).ok).toBe(true);
  });

  test("the credentials are in files only their owner can read; the text names them all", () => {
    for (const path of [first.secretsPath, first.textPath]) expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(first.textPath, "utf8");
    for (const u of creds.users) expect(text).toContain(`${u.email} / ${u.password}`);
    expect(text).toContain(creds.partner.key);
    expect(text).toContain(creds.ingest.key);
    expect(JSON.parse(readFileSync(first.secretsPath, "utf8"))).toMatchObject({
      partnerKey: creds.partner.key,
      ingestKey: creds.ingest.key,
    });
  });

  test("seeded users sign in with better-auth; the session resolves to their role and advertiser", async () => {
    const deps = { ...t.deps, auth };
    for (const u of creds.users) {
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

  test("a password changed since is neither reset nor printed", async () => {
    const ops = creds.users.find((u) => u.role === "ops")!;
    const changed = await hashPassword("chosen-by-the-ops-engineer");
    await t.db.update(authAccount).set({ password: changed }).where(eq(authAccount.userId, ops.id));
    const after = await seedDemoData(t.db, { webUrl, ...first });
    expect((await t.db.select().from(authAccount).where(eq(authAccount.userId, ops.id)))[0]?.password).toBe(changed);
    expect(after.users.find((u) => u.id === ops.id)?.changed).toBe(true);
    expect(readFileSync(first.textPath, "utf8")).toContain(`${ops.email} / (changed since`);
    expect((await signIn(ops.email, "chosen-by-the-ops-engineer")).status).toBe(200);
  });

  test("a revoked demo key stays revoked: the seed does not recreate it", async () => {
    await run(process.execPath, ["--import", "tsx", "packages/api/src/keys-cli.ts", "revoke", creds.ingest.id], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.env.databaseUrl },
    });
    const after = await seedDemoData(t.db, { webUrl, ...first });
    expect(after.ingest).toEqual({ id: creds.ingest.id, key: creds.ingest.key, revoked: true });
    expect(await activeKeys("demo-adserver")).toHaveLength(0);
    expect(readFileSync(first.textPath, "utf8")).toContain(`${creds.ingest.id} was revoked`);
  });

  test("another install gets other passwords and keys, and the first install's stop working", async () => {
    const hashes = await passwordHashes();
    const other = await seedDemoData(t.db, { webUrl, ...second });
    const now = await passwordHashes();
    for (const [i, u] of other.users.entries()) {
      expect(u.password).not.toBe(creds.users[i]?.password);
      expect(u.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect(now[i]).not.toBe(hashes[i]);
      expect((await signIn(u.email, creds.users[i]!.password)).status).toBe(401);
      expect((await signIn(u.email, u.password)).status).toBe(200);
    }
    expect(other.partner.key).not.toBe(creds.partner.key);
    expect(other.ingest.key).not.toBe(creds.ingest.key);
    expect((await t.rest("/ads/popular_ads?count=5&window=5", { key: creds.partner.key })).status).toBe(401);
    expect(await activeKeys("demo-partner")).toHaveLength(1);
  });

  test("wrong passwords and sign-up are refused; no cookie means anonymous", async () => {
    const bad = await signIn("advertiser-a@example.com", "wrong-password");
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

  test("create --kind ingest prints an ingest key, listed as such; the query API refuses it", async () => {
    const created = await cli("create", "--kind", "ingest", "--name", "adserver-1", "--events-per-second", "250");
    const key = created.stdout.trim();
    expect(key).toMatch(/^aci_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const id = /created ingest key (key_[a-z0-9]{12})/.exec(created.stderr)?.[1];
    expect(id).toBeDefined();
    const check = await verifyIngestKey(t.db, key);
    expect(check.ok && check.key).toMatchObject({ id, kind: "ingest", name: "adserver-1", eventsPerSecond: 250 });
    expect((await cli("list")).stdout).toContain(`${id}\tadserver-1\tingest\t250 events/s\tactive`);
    expect((await t.rest("/ads/popular_ads?count=5&window=5", { key })).status).toBe(401);
  });

  test("bad flags exit 2 with a message naming the flag", async () => {
    const attempts: [string[], RegExp][] = [
      [["create", "--kind", "ingest", "--name", "x", "--scope", "all"], /an ingest key takes no --scope/],
      [["create", "--kind", "ingest", "--name", "x", "--events-per-second", "0"], /--events-per-second must be ≥ 1/],
      [["create", "--kind", "bogus", "--name", "x"], /--kind must be partner .* or ingest/],
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

describe("keys on the admin page (tRPC)", () => {
  test("an ops user creates an ingest key, sees it listed with its rate, and revokes it", async () => {
    const ops = t.trpc(t.callers.opsUser);
    const created = await ops.keys.create({ kind: "ingest", name: "adserver-admin", events_per_second: 500 });
    expect(created).toMatchObject({ kind: "ingest", key: expect.stringMatching(/^aci_/) });
    const listed = (await ops.keys.list()).find((k) => k.id === created.id);
    expect(listed).toMatchObject({ kind: "ingest", scope: null, events_per_second: 500, rate_limit_per_minute: null });
    await ops.keys.revoke({ id: created.id });
    expect(await verifyIngestKey(t.db, created.key)).toEqual({ ok: false, reason: "revoked" });
    // An ingest key has no scope; a partner key still needs one.
    expect(await trpcCode(ops.keys.create({ kind: "ingest", name: "x", scope: "all" } as never))).toBe("BAD_REQUEST");
    expect(await trpcCode(t.trpc(t.callers.advertiserA).keys.create({ kind: "ingest", name: "x" }))).toBe("FORBIDDEN");
  });
});
