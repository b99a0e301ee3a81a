// Partner API keys: created with a high-entropy secret shown once, stored as its sha256,
// verified by id lookup plus a constant-time hash comparison, revoked by timestamp (announced on
// API_KEYS_CHANNEL, so processes caching verified keys drop them at once: api-key-cache.ts).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import { advertisers, apiKeyAdvertisers, apiKeys } from "../catalog-schema";
import type { Db } from "../client";
import { type AdScope, QueryInputError } from "./types";

/** `acp_<12 id chars>_<43 base64url secret chars>`; the id part names the key in lists and logs. */
const KEY_RE = /^acp_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 6000;
/** Postgres NOTIFY channel: a key was revoked (payload: its id). */
export const API_KEYS_CHANNEL = "adclicks_api_keys";

export interface ApiKeyInfo {
  id: string;
  name: string;
  scope: AdScope;
  rateLimitPerMinute: number;
  createdAt: Date;
  revokedAt: Date | null;
  createdBy: string | null;
}

export type KeyCheck = { ok: true; key: ApiKeyInfo } | { ok: false; reason: "malformed" | "unknown" | "revoked" };

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The key id (`key_…`) of a well-formed key, or null when the text cannot be a key at all. */
export function apiKeyIdOf(presented: string): string | null {
  const m = KEY_RE.exec(presented);
  return m ? `key_${m[1]}` : null;
}

/** Constant-time equality of the key's sha256 with an expected hex digest. */
export function apiKeyHashEquals(presented: string, expectedHex: string): boolean {
  const expected = Buffer.from(expectedHex, "hex");
  const actual = Buffer.from(hashApiKey(presented), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

// Caches in this process, told about a revocation before revokeApiKey returns (other processes
// learn it from the notification, which is not delivered synchronously). Kept on globalThis: a
// bundler may give each route its own copy of this module, and the admin page's revocation must
// reach the cache the REST route uses.
const HOOKS = Symbol.for("adclicks.apiKeyRevocationHooks");
const hookHolder = globalThis as { [HOOKS]?: Set<() => void> };
hookHolder[HOOKS] ??= new Set();
const revocationHooks = hookHolder[HOOKS];

/** Calls `hook` after every revocation made by this process; returns the unsubscribe function. */
export function onLocalApiKeyRevocation(hook: () => void): () => void {
  revocationHooks.add(hook);
  return () => revocationHooks.delete(hook);
}

function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  // 36 does not divide 256, so a tiny bias exists; the id is a name, not a secret.
  for (const b of bytes) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return out;
}

export interface CreateApiKeyInput {
  name: string;
  scope: AdScope;
  rateLimitPerMinute?: number;
  createdBy?: string;
}

/** Creates a key; the returned `key` is the only copy of the secret anywhere. */
export async function createApiKey(db: Db, input: CreateApiKeyInput): Promise<{ id: string; key: string }> {
  const idPart = randomId(12);
  const key = `acp_${idPart}_${randomBytes(32).toString("base64url")}`;
  const id = `key_${idPart}`;
  const advertiserIds = input.scope.kind === "all" ? [] : [...new Set(input.scope.advertiserIds)];
  if (input.scope.kind === "advertisers" && advertiserIds.length === 0) {
    throw new QueryInputError("scope", "name at least one advertiser, or use all");
  }
  await db.transaction(async (tx) => {
    if (advertiserIds.length > 0) {
      const found = await tx
        .select({ id: advertisers.id })
        .from(advertisers)
        .where(inArray(advertisers.id, advertiserIds));
      const missing = advertiserIds.filter((a) => !found.some((f) => f.id === a));
      if (missing.length > 0) throw new QueryInputError("scope", `unknown advertiser ${missing.join(", ")}`);
    }
    await tx.insert(apiKeys).values({
      id,
      name: input.name,
      secretHash: hashApiKey(key),
      allAdvertisers: input.scope.kind === "all",
      rateLimitPerMinute: input.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
      createdBy: input.createdBy ?? null,
    });
    if (advertiserIds.length > 0) {
      await tx.insert(apiKeyAdvertisers).values(advertiserIds.map((advertiserId) => ({ keyId: id, advertiserId })));
    }
  });
  return { id, key };
}

/**
 * Marks a key revoked (idempotent). False when no such key exists. The notification is sent in
 * the same transaction, so listeners hear of it exactly when the revocation is visible.
 */
export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const found = await db.transaction(async (tx) => {
    const rows = await tx.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.id, id));
    if (rows.length === 0) return false;
    await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
    await tx.execute(sql`select pg_notify(${API_KEYS_CHANNEL}, ${id})`);
    return true;
  });
  if (found) for (const hook of revocationHooks) hook();
  return found;
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  const rows = await db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
  if (rows.length === 0) return [];
  const scopes = await db
    .select()
    .from(apiKeyAdvertisers)
    .where(
      inArray(
        apiKeyAdvertisers.keyId,
        rows.map((r) => r.id),
      ),
    );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    scope: r.allAdvertisers
      ? { kind: "all" as const }
      : {
          kind: "advertisers" as const,
          advertiserIds: scopes
            .filter((s) => s.keyId === r.id)
            .map((s) => s.advertiserId)
            .sort(),
        },
    rateLimitPerMinute: r.rateLimitPerMinute,
    createdAt: r.createdAt,
    revokedAt: r.revokedAt,
    createdBy: r.createdBy,
  }));
}

/** Checks a presented key: well-formed, known, hash equal (constant time), not revoked. One query. */
export async function verifyApiKey(db: Db, presented: string): Promise<KeyCheck> {
  const id = apiKeyIdOf(presented);
  if (id === null) return { ok: false, reason: "malformed" };
  const res = await db.$client.query<{
    id: string;
    name: string;
    secret_hash: string;
    all_advertisers: boolean;
    rate_limit_per_minute: number;
    created_at: Date;
    revoked_at: Date | null;
    created_by: string | null;
    advertiser_ids: string[] | null;
  }>(
    `select k.id, k.name, k.secret_hash, k.all_advertisers, k.rate_limit_per_minute, k.created_at, k.revoked_at,
            k.created_by, (select array_agg(s.advertiser_id order by s.advertiser_id)
                           from api_key_advertisers s where s.key_id = k.id) as advertiser_ids
     from api_keys k where k.id = $1`,
    [id],
  );
  const row = res.rows[0];
  if (!row) return { ok: false, reason: "unknown" };
  if (!apiKeyHashEquals(presented, row.secret_hash)) return { ok: false, reason: "unknown" };
  if (row.revoked_at !== null) return { ok: false, reason: "revoked" };
  return {
    ok: true,
    key: {
      id: row.id,
      name: row.name,
      scope: row.all_advertisers
        ? { kind: "all" }
        : { kind: "advertisers", advertiserIds: [...(row.advertiser_ids ?? [])].sort() },
      rateLimitPerMinute: row.rate_limit_per_minute,
      createdAt: row.created_at,
      revokedAt: row.revoked_at,
      createdBy: row.created_by,
    },
  };
}
