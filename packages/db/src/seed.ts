// Demo data, idempotent (`npm run seed -w @adclicks/db`, run by `npm start`): two advertisers
// with their ads, an ops user, one user per advertiser and a partner key, with the credentials
// written to .data/demo-credentials.txt for `npm start` to print.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { hashPassword } from "better-auth/crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { authAccount, authUser, type UserRole } from "./auth-schema";
import { ads, advertisers, apiKeys } from "./catalog-schema";
import { createDb, type Db } from "./client";
import { createApiKey, revokeApiKey, verifyApiKey } from "./queries/api-keys";

export const DEMO_CREDENTIALS_PATH = fileURLToPath(new URL("../../../.data/demo-credentials.txt", import.meta.url));
const DEMO_KEY_NAME = "demo-partner";

export const DEMO_ADVERTISERS = [
  { id: "adv-a", name: "Acme Outdoor", firstAd: 1, lastAd: 25 },
  { id: "adv-b", name: "Bluebird Travel", firstAd: 26, lastAd: 50 },
] as const;

export interface DemoUser {
  id: string;
  name: string;
  email: string;
  password: string;
  role: UserRole;
  advertiserId: string | null;
}

// Fixed, documented demo passwords: this is local demo data, printed by `npm start` anyway.
export const DEMO_USERS: readonly DemoUser[] = [
  {
    id: "user-ops",
    name: "Olivia Ops",
    email: "ops@example.com",
    password: "ops-demo-pass",
    role: "ops",
    advertiserId: null,
  },
  {
    id: "user-adv-a",
    name: "Ada Acme",
    email: "advertiser-a@example.com",
    password: "acme-demo-pass",
    role: "advertiser",
    advertiserId: "adv-a",
  },
  {
    id: "user-adv-b",
    name: "Ben Bluebird",
    email: "advertiser-b@example.com",
    password: "bluebird-demo-pass",
    role: "advertiser",
    advertiserId: "adv-b",
  },
];

export interface DemoCredentials {
  webUrl: string;
  users: readonly DemoUser[];
  partnerKey: string;
  partnerKeyId: string;
}

export function demoAdIds(advertiserId: string): string[] {
  const a = DEMO_ADVERTISERS.find((x) => x.id === advertiserId);
  if (!a) return [];
  return Array.from({ length: a.lastAd - a.firstAd + 1 }, (_, i) => `ad-${a.firstAd + i}`);
}

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

async function upsertUsers(db: Db): Promise<void> {
  for (const u of DEMO_USERS) {
    // better-auth's own scrypt hash: the user then signs in through better-auth like any other.
    const password = await hashPassword(u.password);
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
    // The "credential" account is where better-auth keeps an email+password user's hash.
    await db
      .insert(authAccount)
      .values({ id: `${u.id}-credential`, accountId: u.id, providerId: "credential", userId: u.id, password })
      .onConflictDoUpdate({ target: authAccount.id, set: { password, updatedAt: new Date() } });
  }
}

/** Keeps the previous demo key when it still works (so a running demo keeps its key); else rotates. */
async function ensurePartnerKey(db: Db, credentialsPath: string): Promise<{ id: string; key: string }> {
  if (existsSync(credentialsPath)) {
    const previous = /acp_[a-z0-9]{12}_[A-Za-z0-9_-]{43}/.exec(readFileSync(credentialsPath, "utf8"))?.[0];
    if (previous) {
      const check = await verifyApiKey(db, previous);
      if (check.ok && check.key.name === DEMO_KEY_NAME) return { id: check.key.id, key: previous };
    }
  }
  // Through revokeApiKey, so running web processes drop the old key from their caches at once.
  const live = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.name, DEMO_KEY_NAME), isNull(apiKeys.revokedAt)));
  for (const k of live) await revokeApiKey(db, k.id);
  return createApiKey(db, { name: DEMO_KEY_NAME, scope: { kind: "all" }, createdBy: "seed" });
}

export function formatCredentials(c: DemoCredentials): string {
  const line = (label: string, value: string) => `    ${label.padEnd(18)}${value}\n`;
  let out = "    Demo credentials (npm run seed -w @adclicks/db; sign in at the URL below)\n";
  out += line("Sign in", `${c.webUrl}/sign-in`);
  for (const u of c.users) {
    const who = u.role === "ops" ? "ops" : `advertiser ${u.advertiserId}`;
    out += line(who, `${u.email} / ${u.password}`);
  }
  out += line("Partner API key", `${c.partnerKey} (id ${c.partnerKeyId}, all advertisers)`);
  out += line(
    "Try",
    `curl -H "Authorization: Bearer ${c.partnerKey}" "${c.webUrl}/api/v1/ads/popular_ads?count=5&window=5"`,
  );
  return out;
}

export async function seedDemoData(
  db: Db,
  opts: { webUrl: string; credentialsPath?: string; writeCredentials?: boolean },
): Promise<DemoCredentials> {
  const credentialsPath = opts.credentialsPath ?? DEMO_CREDENTIALS_PATH;
  await upsertCatalog(db);
  await upsertUsers(db);
  const partner = await ensurePartnerKey(db, credentialsPath);
  const creds: DemoCredentials = {
    webUrl: opts.webUrl,
    users: DEMO_USERS,
    partnerKey: partner.key,
    partnerKeyId: partner.id,
  };
  if (opts.writeCredentials ?? true) {
    mkdirSync(dirname(credentialsPath), { recursive: true });
    writeFileSync(credentialsPath, formatCredentials(creds), { mode: 0o600 });
  }
  return creds;
}

async function main(): Promise<void> {
  const { dbEnv } = await import("./env");
  const { seedEnv } = await import("./seed-env");
  const db = createDb(dbEnv.DATABASE_URL, 2);
  try {
    await seedDemoData(db, { webUrl: `http://localhost:${seedEnv.WEB_PORT}` });
    console.log(`    demo data seeded; credentials in ${DEMO_CREDENTIALS_PATH}`);
  } finally {
    await db.$client.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
