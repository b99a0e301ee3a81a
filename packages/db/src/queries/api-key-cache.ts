// Verified keys kept in process memory for a few seconds, so a request does not cost a Postgres
// round trip to check its key (partner keys in the web app, ingest keys in the collector).
// Revocation stays prompt: every cache LISTENs on API_KEYS_CHANNEL (revokeApiKey notifies it in
// its transaction) and empties itself on each notification; a revocation made in this process
// empties it before revokeApiKey returns. While the listener is not connected a notification
// could be missed, so the cache is then bypassed. With `staleIfErrorMs` (the collector) a key
// verified lately is still accepted while Postgres cannot be reached at all: nobody can revoke a
// key then, and ingest must not stop with the catalog database.
import pg from "pg";
import type { Db } from "../client";
import {
  API_KEYS_CHANNEL,
  type ApiKeyInfo,
  apiKeyHashEquals,
  apiKeyIdOf,
  hashApiKey,
  type IngestKeyInfo,
  ingestKeyIdOf,
  type KeyCheck,
  onLocalApiKeyRevocation,
  verifyApiKey,
  verifyIngestKey,
} from "./api-keys";

/** Safety net only (a revocation never waits for it): bounds the life of an entry whatever happens. */
export const API_KEY_CACHE_TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

export interface ApiKeyCacheOptions {
  /** The database whose api_keys the cache mirrors (the listener opens its own connection). */
  databaseUrl: string;
  ttlMs?: number;
  /** Listener trouble (the cache keeps working, uncached, meanwhile). */
  onError?: (message: string, error: unknown) => void;
  /** Monotonic clock in ms (tests pin it). */
  now?: () => number;
  /**
   * When Postgres fails to answer, accept a key verified (and not revoked to our knowledge) within
   * this long instead of failing (0, the default: fail). Revocations heard still drop it.
   */
  staleIfErrorMs?: number;
}

interface Entry<K> {
  key: K;
  /** sha256 of the key as verified against Postgres (equal to the stored hash). */
  secretHash: string;
  /** When the verification that found it began. */
  verifiedAt: number;
}

export interface KeyCache<K> {
  /** Same answers as the kind's verify function, from memory when the key was verified lately. */
  verify(db: Db, presented: string): Promise<KeyCheck<K>>;
  /** Forgets every key (a revocation, or the listener lost). */
  invalidate(): void;
  /** True while revocations are being heard, i.e. while verified keys may be served from memory. */
  readonly listening: boolean;
  /** Starts the listener now rather than on the first verify (resolves once it listens or failed). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export type ApiKeyCache = KeyCache<ApiKeyInfo>;
export type IngestKeyCache = KeyCache<IngestKeyInfo>;

/** Partner keys, for the web app (its tRPC and REST handlers). */
export function createApiKeyCache(opts: ApiKeyCacheOptions): ApiKeyCache {
  return createKeyCache(opts, apiKeyIdOf, verifyApiKey);
}

/** Ingest keys, for the collector. */
export function createIngestKeyCache(opts: ApiKeyCacheOptions): IngestKeyCache {
  return createKeyCache(opts, ingestKeyIdOf, verifyIngestKey);
}

function createKeyCache<K>(
  opts: ApiKeyCacheOptions,
  idOf: (presented: string) => string | null,
  verifyInDb: (db: Db, presented: string) => Promise<KeyCheck<K>>,
): KeyCache<K> {
  const ttlMs = opts.ttlMs ?? API_KEY_CACHE_TTL_MS;
  const staleIfErrorMs = opts.staleIfErrorMs ?? 0;
  const now = opts.now ?? (() => performance.now());
  const onError = opts.onError ?? ((message, error) => console.error(message, error));
  const entries = new Map<string, Entry<K>>();
  // Keys verified lately, kept across listener losses (not across revocations heard): answered
  // only when Postgres itself fails, and only with staleIfErrorMs.
  const lastGood = new Map<string, Entry<K>>();
  // Bumped by every invalidation: a verification that began before one must not store its
  // (possibly revoked since) answer.
  let generation = 0;
  let listening = false;
  let closed = false;
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let reconnectDelay = RECONNECT_MIN_MS;
  let reconnectTimer: NodeJS.Timeout | null = null;
  // After a failed verification, one request at a time finds out whether Postgres is back (a
  // connection attempt may take seconds); the others are answered from lastGood meanwhile.
  let dbFailing = false;
  let probing = false;

  // A revocation (of `id`, when known): nothing fresh is trusted, and the revoked key is gone
  // from lastGood too (all of it when the id is not known).
  const invalidate = (id?: string) => {
    generation++;
    entries.clear();
    if (id === undefined) lastGood.clear();
    else lastGood.delete(id);
  };
  // The listener is gone: a revocation may go unheard, so nothing is served from memory while
  // Postgres answers; what we verified stays in lastGood for when it does not.
  const forgetFast = () => {
    generation++;
    entries.clear();
  };
  const remember = (map: Map<string, Entry<K>>, id: string, entry: Entry<K>) => {
    map.delete(id); // re-inserted at the end: the oldest entry is the first one evicted
    if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as string);
    map.set(id, entry);
  };
  const unsubscribe = onLocalApiKeyRevocation(invalidate);

  const lost = (c: pg.Client, error: unknown) => {
    if (client !== c) return;
    client = null;
    listening = false;
    forgetFast();
    c.removeAllListeners();
    c.on("error", () => {}); // the dead client may still report errors; nothing listens now
    // The connection is already dead or dropped; ending it only frees the socket.
    void c.end().catch(() => {});
    if (closed) return;
    onError(`API key cache: lost the ${API_KEYS_CHANNEL} listener, verifying keys in Postgres until it is back`, error);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      void listen();
    }, reconnectDelay);
    reconnectTimer.unref();
    reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
  };

  const listen = (): Promise<void> => {
    if (listening || closed) return Promise.resolve();
    if (reconnectTimer) clearTimeout(reconnectTimer);
    reconnectTimer = null;
    connecting ??= (async () => {
      const c = new pg.Client({
        connectionString: opts.databaseUrl,
        connectionTimeoutMillis: 5_000,
        // A silently dead connection is found by keepalive; until then the TTL bounds staleness.
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      });
      client = c;
      c.on("notification", (n) => {
        if (n.channel === API_KEYS_CHANNEL) invalidate(n.payload || undefined);
      });
      c.on("error", (err) => lost(c, err));
      c.on("end", () => lost(c, new Error("connection closed")));
      try {
        await c.connect();
        await c.query(`listen ${API_KEYS_CHANNEL}`);
        if (client !== c || closed) return;
        // Anything revoked while nobody listened is visible to the queries from now on.
        forgetFast();
        listening = true;
        reconnectDelay = RECONNECT_MIN_MS;
      } catch (err) {
        lost(c, err);
      }
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };

  return {
    get listening() {
      return listening;
    },
    invalidate: () => invalidate(),
    start: listen,
    async verify(db, presented) {
      const id = idOf(presented);
      if (id === null) return { ok: false, reason: "malformed" };
      if (!listening && !connecting && !reconnectTimer && !closed) void listen();
      if (listening) {
        const hit = entries.get(id);
        if (hit && hit.verifiedAt + ttlMs > now()) {
          // The id is public; the secret is checked against the verified hash in constant time.
          return apiKeyHashEquals(presented, hit.secretHash)
            ? { ok: true, key: hit.key }
            : { ok: false, reason: "unknown" };
        }
      }
      const startedAt = now();
      const stale = (): KeyCheck<K> | undefined => {
        const e = staleIfErrorMs > 0 ? lastGood.get(id) : undefined;
        return e && startedAt - e.verifiedAt <= staleIfErrorMs && apiKeyHashEquals(presented, e.secretHash)
          ? { ok: true, key: e.key }
          : undefined;
      };
      if (dbFailing && probing) {
        const answer = stale();
        if (answer) return answer;
      }
      const startGeneration = generation;
      const wasListening = listening;
      let check: KeyCheck<K>;
      const probe = dbFailing && !probing;
      if (probe) probing = true;
      try {
        check = await verifyInDb(db, presented);
        dbFailing = false;
      } catch (err) {
        dbFailing = true;
        const answer = stale();
        if (answer) return answer;
        throw err;
      } finally {
        if (probe) probing = false;
      }
      if (check.ok && generation === startGeneration) {
        const entry = { key: check.key, secretHash: hashApiKey(presented), verifiedAt: startedAt };
        if (staleIfErrorMs > 0) remember(lastGood, id, entry);
        if (wasListening && listening) remember(entries, id, entry);
      } else if (!check.ok) lastGood.delete(id);
      return check;
    },
    async close() {
      closed = true;
      unsubscribe();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      await connecting;
      const c = client;
      client = null;
      listening = false;
      invalidate();
      if (c) {
        c.removeAllListeners();
        c.on("error", () => {});
        // Closing the cache: the listening connection is dropped either way.
        await c.end().catch(() => {});
      }
    },
  };
}
