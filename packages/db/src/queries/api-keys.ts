// API keys of two kinds: partner keys (`acp_…`, the query API) and ingest keys (`aci_…`, the
// collector). Created with a high-entropy secret shown once, stored as its sha256, verified by id
// lookup plus a constant-time hash comparison, revoked by timestamp (announced on API_KEYS_CHANNEL,
// so processes caching verified keys drop them at once: api-key-cache.ts). The prefix names the
// kind, so a key sent to the wrong door is refused without a query (and secret scanners tell
// them apart); the stored kind is checked too.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import { advertisers, apiKeyAdvertisers, apiKeys } from "../catalog-schema";
import type { Db } from "../client";
import { type AdScope, QueryInputError } from "./types";

export type ApiKeyKind = "partner" | "ingest";
const PREFIXES: Record<ApiKeyKind, string> = { partner: "acp", ingest: "aci" };
/** `<prefix>_<12 id chars>_<43 base64url secret chars>`; the id part names the key in lists and logs. */
const KEY_RE = /^(acp|aci)_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 6000;
/**
 * An ad server's default: a fifth of the book's peak for the whole platform (50,000 clicks/s),
 * so one misbehaving key cannot fill the pipeline; raise it per key with --events-per-second.
 */
export const DEFAULT_INGEST_EVENTS_PER_SECOND = 10_000;
/** Postgres NOTIFY channel: a key was revoked (payload: its id). */
export const API_KEYS_CHANNEL = "adclicks_api_keys";

export interface ApiKeyInfo {
  id: string;
  kind: "partner";
  name: string;
  scope: AdScope;
  rateLimitPerMinute: number;
  createdAt: Date;
  revokedAt: Date | null;
  createdBy: string | null;
}

export interface IngestKeyInfo {
  id: string;
  kind: "ingest";
  name: string;
  eventsPerSecond: number;
  createdAt: Date;
  revokedAt: Date | null;
  createdBy: string | null;
}

export type AnyKeyInfo = ApiKeyInfo | IngestKeyInfo;

export type KeyCheck<K = ApiKeyInfo> =
  | { ok: true; key: K }
  | { ok: false; reason: "malformed" | "unknown" | "revoked" };

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The kind a well-formed key's prefix names, or null when the text cannot be a key at all. */
export function apiKeyKindOf(presented: string): ApiKeyKind | null {
  const m = KEY_RE.exec(presented);
  if (!m) return null;
  return m[1] === PREFIXES.ingest ? "ingest" : "partner";
}

/** The key id (`key_…`) of a well-formed key of `kind`, or null when the text is not one. */
export function apiKeyIdOf(presented: string, kind: ApiKeyKind = "partner"): string | null {
  const m = KEY_RE.exec(presented);
  return m && m[1] === PREFIXES[kind] ? `key_${m[2]}` : null;
}

/** The key id of a well-formed ingest key (`aci_…`), or null. */
export const ingestKeyIdOf = (presented: string): string | null => apiKeyIdOf(presented, "ingest");

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
const hookHolder = globalThis as { [HOOKS]?: Set<(id: string) => void> };
hookHolder[HOOKS] ??= new Set();
const revocationHooks = hookHolder[HOOKS];

/** Calls `hook` with the key's id after every revocation made by this process; returns the unsubscribe function. */
export function onLocalApiKeyRevocation(hook: (id: string) => void): () => void {
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

export interface CreateIngestKeyInput {
  name: string;
  eventsPerSecond?: number;
  createdBy?: string;
}

function newKey(kind: ApiKeyKind): { id: string; key: string } {
  const idPart = randomId(12);
  return { id: `key_${idPart}`, key: `${PREFIXES[kind]}_${idPart}_${randomBytes(32).toString("base64url")}` };
}

/** Creates a partner key; the returned `key` is the only copy of the secret anywhere. */
export async function createApiKey(db: Db, input: CreateApiKeyInput): Promise<{ id: string; key: string }> {
  const { id, key } = newKey("partner");
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
      kind: "partner",
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

/** Creates an ingest key for an ad server; the returned `key` is the only copy of the secret. */
export async function createIngestKey(db: Db, input: CreateIngestKeyInput): Promise<{ id: string; key: string }> {
  const eventsPerSecond = input.eventsPerSecond ?? DEFAULT_INGEST_EVENTS_PER_SECOND;
  if (!Number.isInteger(eventsPerSecond) || eventsPerSecond < 1) {
    throw new QueryInputError("events_per_second", "must be a whole number of at least 1");
  }
  const { id, key } = newKey("ingest");
  await db.insert(apiKeys).values({
    id,
    kind: "ingest",
    name: input.name,
    secretHash: hashApiKey(key),
    allAdvertisers: false,
    eventsPerSecond,
    createdBy: input.createdBy ?? null,
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
  if (found) for (const hook of revocationHooks) hook(id);
  return found;
}

/** Every key of both kinds, oldest first. */
export async function listApiKeys(db: Db): Promise<AnyKeyInfo[]> {
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
  return rows.map((r) =>
    toKeyInfo({
      id: r.id,
      kind: r.kind,
      name: r.name,
      all_advertisers: r.allAdvertisers,
      rate_limit_per_minute: r.rateLimitPerMinute,
      events_per_second: r.eventsPerSecond,
      created_at: r.createdAt,
      revoked_at: r.revokedAt,
      created_by: r.createdBy,
      advertiser_ids: scopes.filter((s) => s.keyId === r.id).map((s) => s.advertiserId),
    }),
  );
}

interface KeyRow {
  id: string;
  kind: ApiKeyKind;
  name: string;
  all_advertisers: boolean;
  rate_limit_per_minute: number;
  events_per_second: number | null;
  created_at: Date;
  revoked_at: Date | null;
  created_by: string | null;
  advertiser_ids: string[] | null;
}

function toKeyInfo(row: KeyRow): AnyKeyInfo {
  const common = {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    createdBy: row.created_by,
  };
  if (row.kind === "ingest") return { ...common, kind: "ingest", eventsPerSecond: row.events_per_second ?? 0 };
  return {
    ...common,
    kind: "partner",
    scope: row.all_advertisers
      ? { kind: "all" }
      : { kind: "advertisers", advertiserIds: [...(row.advertiser_ids ?? [])].sort() },
    rateLimitPerMinute: row.rate_limit_per_minute,
  };
}

/** Checks a presented key of `kind`: well-formed, known, hash equal (constant time), not revoked. One query. */
async function verifyKey(db: Db, presented: string, kind: ApiKeyKind): Promise<KeyCheck<AnyKeyInfo>> {
  const id = apiKeyIdOf(presented, kind);
  if (id === null) return { ok: false, reason: "malformed" };
  const res = await db.$client.query<KeyRow & { secret_hash: string }>(
    `select k.id, k.kind, k.name, k.secret_hash, k.all_advertisers, k.rate_limit_per_minute, k.events_per_second,
            k.created_at, k.revoked_at, k.created_by,
            (select array_agg(s.advertiser_id order by s.advertiser_id)
               from api_key_advertisers s where s.key_id = k.id) as advertiser_ids
     from api_keys k where k.id = $1`,
    [id],
  );
  const row = res.rows[0];
  // A key of the other kind with the same id part cannot exist (one id space), but the stored
  // kind is the authority: an ingest key never opens the query API, nor a partner key the collector.
  if (!row || row.kind !== kind) return { ok: false, reason: "unknown" };
  if (!apiKeyHashEquals(presented, row.secret_hash)) return { ok: false, reason: "unknown" };
  if (row.revoked_at !== null) return { ok: false, reason: "revoked" };
  return { ok: true, key: toKeyInfo(row) };
}

/** Checks a presented partner key (see verifyKey). */
export function verifyApiKey(db: Db, presented: string): Promise<KeyCheck<ApiKeyInfo>> {
  return verifyKey(db, presented, "partner") as Promise<KeyCheck<ApiKeyInfo>>;
}

/** Checks a presented ingest key (see verifyKey). */
export function verifyIngestKey(db: Db, presented: string): Promise<KeyCheck<IngestKeyInfo>> {
  return verifyKey(db, presented, "ingest") as Promise<KeyCheck<IngestKeyInfo>>;
}
