// Demo data (`npm run seed -w @adclicks/db`, run by `npm start`): two advertisers with their ads,
// an ops user, one user per advertiser, a partner key and an ingest key for the demo generator.
// Nothing here is a known credential: passwords and keys are generated once per install into
// .data/demo-credentials.json (mode 0600; the text `npm start` prints is beside it) and never
// reset by a later run. Idempotent: a second run changes no password and creates no key.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { hashPassword, verifyPassword } from "better-auth/crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { authAccount, authUser, type UserRole } from "./auth-schema";
import { ads, advertisers, apiKeys } from "./catalog-schema";
import { createDb, type Db } from "./client";
import {
  type ApiKeyKind,
  apiKeyIdOf,
  createApiKey,
  createIngestKey,
  revokeApiKey,
  verifyApiKey,
  verifyIngestKey,
} from "./queries/api-keys";

const DATA_DIR = fileURLToPath(new URL("../../../.data/", import.meta.url));
/** The secrets of this install (read back by every later seed, the e2e tests and `npm start`). */
export const DEMO_SECRETS_PATH = `${DATA_DIR}demo-credentials.json`;
/** The same, as text for people: what `npm start` prints. */
export const DEMO_CREDENTIALS_PATH = `${DATA_DIR}demo-credentials.txt`;
const DEMO_PARTNER_KEY_NAME = "demo-partner";
const DEMO_INGEST_KEY_NAME = "demo-adserver";
/** The demo generator's 50 clicks/s with room for its bursts. */
const DEMO_INGEST_EVENTS_PER_SECOND = 1_000;

export const DEMO_ADVERTISERS = [
  { id: "adv-a", name: "Acme Outdoor", firstAd: 1, lastAd: 25 },
  { id: "adv-b", name: "Bluebird Travel", firstAd: 26, lastAd: 50 },
] as const;

export interface DemoUser {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  advertiserId: string | null;
}

/** The demo's people; their passwords are this install's (see DemoCredentials). */
export const DEMO_USERS: readonly DemoUser[] = [
  { id: "user-ops", name: "Olivia Ops", email: "ops@example.com", role: "ops", advertiserId: null },
  {
    id: "user-adv-a",
    name: "Ada Acme",
    email: "advertiser-a@example.com",
    role: "advertiser",
    advertiserId: "adv-a",
  },
  {
    id: "user-adv-b",
    name: "Ben Bluebird",
    email: "advertiser-b@example.com",
    role: "advertiser",
    advertiserId: "adv-b",
  },
];

/** What the secrets file holds. */
const secretsSchema = z.object({
  passwords: z.record(z.string(), z.string().min(12)),
  partnerKey: z.string().optional(),
  ingestKey: z.string().optional(),
});
type Secrets = z.infer<typeof secretsSchema>;

export interface DemoKey {
  id: string;
  key: string;
  /** The key in the file was revoked since (by an operator): it is not recreated. */
  revoked: boolean;
}

export interface DemoCredentials {
  webUrl: string;
  users: ReadonlyArray<DemoUser & { password: string; changed: boolean }>;
  partner: DemoKey;
  ingest: DemoKey;
}

export function demoAdIds(advertiserId: string): string[] {
  const a = DEMO_ADVERTISERS.find((x) => x.id === advertiserId);
  if (!a) return [];
  return Array.from({ length: a.lastAd - a.firstAd + 1 }, (_, i) => `ad-${a.firstAd + i}`);
}

/** The secrets of this install, or undefined before the first seed (or if the file is unreadable). */
export function readDemoSecrets(path = DEMO_SECRETS_PATH): Secrets | undefined {
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    json = undefined; // a damaged file is no install's secrets: the seed generates new ones
  }
  const parsed = secretsSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Written whole or not at all, readable by its owner only. */
function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600); // the mode above applies only when the file is created
  renameSync(tmp, path);
}

const newPassword = () => randomBytes(15).toString("base64url");

async function upsertCatalog(db: Db): Promise<void> {
  for (const a of DEMO_ADVERTISERS) {
    await db
      .insert(advertisers)
      .values({ id: a.id, name: a.name })
      .onConflictDoUpdate({ target: advertisers.id, set: { name: a.name } });
    const rows = demoAdIds(a.id).map((id) => ({ id, advertiserId: a.id, name: `${a.name} ${id}` }));
    await db
      .insert(ads)
      .values(rows)
      .onConflictDoUpdate({
        target: ads.id,
        set: { advertiserId: sql`excluded.advertiser_id`, name: sql`excluded.name` },
      });
  }
}

/**
 * Creates the users. A password from the secrets file is set only where the user has none (a new
 * database); a password generated now (a new install) replaces whatever the user had, so no
 * password from an older seed survives. Returns, per user, whether the stored password is no
 * longer the file's (changed since by someone).
 */
async function upsertUsers(db: Db, passwords: Record<string, string>, fromFile: Set<string>): Promise<Set<string>> {
  const changed = new Set<string>();
  for (const u of DEMO_USERS) {
    const password = passwords[u.email]!;
    await db
      .insert(authUser)
      .values({
        id: u.id,
        name: u.name,
        email: u.email,
        emailVerified: true,
        role: u.role,
        advertiserId: u.advertiserId,
      })
      .onConflictDoUpdate({
        target: authUser.id,
        set: { name: u.name, email: u.email, role: u.role, advertiserId: u.advertiserId, updatedAt: new Date() },
      });
    // better-auth's own scrypt hash in its "credential" account: the user signs in like any other.
    const id = `${u.id}-credential`;
    const [stored] = await db.select({ hash: authAccount.password }).from(authAccount).where(eq(authAccount.id, id));
    if (stored && fromFile.has(u.email)) {
      // This install's password was set before: never reset; say so if it is no longer the file's.
      if (!stored.hash || !(await verifyPassword({ hash: stored.hash, password }))) changed.add(u.email);
      continue;
    }
    const hash = await hashPassword(password);
    await db
      .insert(authAccount)
      .values({ id, accountId: u.id, providerId: "credential", userId: u.id, password: hash })
      .onConflictDoUpdate({ target: authAccount.id, set: { password: hash, updatedAt: new Date() } });
  }
  return changed;
}

/**
 * The install's key named `name`: the one in the file while the database knows it (revoked or
 * not: a revocation stands); else a new one, after revoking live keys of that name whose secret
 * nobody has any more (through revokeApiKey, so running processes drop them at once).
 */
async function ensureKey(
  db: Db,
  kind: ApiKeyKind,
  name: string,
  saved: string | undefined,
  create: () => Promise<{ id: string; key: string }>,
): Promise<DemoKey> {
  if (saved) {
    const check = kind === "ingest" ? await verifyIngestKey(db, saved) : await verifyApiKey(db, saved);
    if (check.ok && check.key.name === name) return { id: check.key.id, key: saved, revoked: false };
    if (!check.ok && check.reason === "revoked")
      return { id: apiKeyIdOf(saved, kind) ?? "?", key: saved, revoked: true };
  }
  const live = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.name, name), isNull(apiKeys.revokedAt)));
  for (const k of live) await revokeApiKey(db, k.id);
  return { ...(await create()), revoked: false };
}

export function formatCredentials(c: DemoCredentials): string {
  const line = (label: string, value: string) => `    ${label.padEnd(18)}${value}\n`;
  let out = `    Demo credentials of this install (${DEMO_SECRETS_PATH}, mode 0600; generated once, never reset)\n`;
  out += line("Sign in", `${c.webUrl}/sign-in`);
  for (const u of c.users) {
    const who = u.role === "ops" ? "ops" : `advertiser ${u.advertiserId}`;
    out += line(who, `${u.email} / ${u.changed ? "(changed since it was generated: not shown)" : u.password}`);
  }
  const key = (k: DemoKey) => (k.revoked ? `${k.id} was revoked (create another with npm run keys)` : k.key);
  out += line(
    "Partner API key",
    `${key(c.partner)}${c.partner.revoked ? "" : ` (id ${c.partner.id}, all advertisers)`}`,
  );
  out += line("Ingest key", `${key(c.ingest)}${c.ingest.revoked ? "" : ` (id ${c.ingest.id}, the demo generator's)`}`);
  if (!c.partner.revoked) {
    out += line(
      "Try",
      `curl -H "Authorization: Bearer ${c.partner.key}" "${c.webUrl}/api/v1/ads/popular_ads?count=5&window=5"`,
    );
  }
  return out;
}

export interface SeedOptions {
  webUrl: string;
  /** The install's secrets file (default .data/demo-credentials.json). */
  secretsPath?: string;
  /** Where the printable text goes (default .data/demo-credentials.txt; null: nowhere). */
  textPath?: string | null;
}

export async function seedDemoData(db: Db, opts: SeedOptions): Promise<DemoCredentials> {
  const secretsPath = opts.secretsPath ?? DEMO_SECRETS_PATH;
  const saved = readDemoSecrets(secretsPath);
  const passwords: Record<string, string> = {};
  const fromFile = new Set<string>();
  for (const u of DEMO_USERS) {
    const known = saved?.passwords[u.email];
    if (known) fromFile.add(u.email);
    passwords[u.email] = known ?? newPassword();
  }
  await upsertCatalog(db);
  const changed = await upsertUsers(db, passwords, fromFile);
  const partner = await ensureKey(db, "partner", DEMO_PARTNER_KEY_NAME, saved?.partnerKey, () =>
    createApiKey(db, { name: DEMO_PARTNER_KEY_NAME, scope: { kind: "all" }, createdBy: "seed" }),
  );
  const ingest = await ensureKey(db, "ingest", DEMO_INGEST_KEY_NAME, saved?.ingestKey, () =>
    createIngestKey(db, {
      name: DEMO_INGEST_KEY_NAME,
      eventsPerSecond: DEMO_INGEST_EVENTS_PER_SECOND,
      createdBy: "seed",
    }),
  );
  // Written after the database: a seed that fails half way generates (and sets) anew next time.
  const secrets: Secrets = { passwords, partnerKey: partner.key, ingestKey: ingest.key };
  writePrivate(secretsPath, `${JSON.stringify(secrets, null, 2)}\n`);
  const creds: DemoCredentials = {
    webUrl: opts.webUrl,
    users: DEMO_USERS.map((u) => ({ ...u, password: passwords[u.email]!, changed: changed.has(u.email) })),
    partner,
    ingest,
  };
  const textPath = opts.textPath === undefined ? DEMO_CREDENTIALS_PATH : opts.textPath;
  if (textPath !== null) writePrivate(textPath, formatCredentials(creds));
  return creds;
}

async function main(): Promise<void> {
  const { dbEnv } = await import("./env");
  const { seedEnv } = await import("./seed-env");
  const db = createDb(dbEnv.DATABASE_URL, 2);
  try {
    const creds = await seedDemoData(db, { webUrl: `http://localhost:${seedEnv.WEB_PORT}` });
    console.log(`    demo data seeded; credentials in ${DEMO_CREDENTIALS_PATH}`);
    if (creds.ingest.revoked) console.log("    the demo's ingest key was revoked: the demo generator will be refused");
  } finally {
    await db.$client.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
