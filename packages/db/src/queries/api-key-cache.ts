// Verified partner keys kept in process memory for a few seconds, so an API request does not
// cost a Postgres round trip to check its key. Revocation stays prompt: every cache LISTENs on
// API_KEYS_CHANNEL (revokeApiKey notifies it in its transaction) and empties itself on each
// notification; a revocation made in this process empties it before revokeApiKey returns. While
// the listener is not connected a notification could be missed, so the cache is then bypassed.
import pg from "pg";
import type { Db } from "../client";
import {
  API_KEYS_CHANNEL,
  type ApiKeyInfo,
  apiKeyHashEquals,
  apiKeyIdOf,
  hashApiKey,
  type KeyCheck,
  onLocalApiKeyRevocation,
  verifyApiKey,
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
}

interface Entry {
  key: ApiKeyInfo;
  /** sha256 of the key as verified against Postgres (equal to the stored hash). */
  secretHash: string;
  expiresAt: number;
}

export interface ApiKeyCache {
  /** Same answers as verifyApiKey(db, presented), from memory when the key was verified lately. */
  verify(db: Db, presented: string): Promise<KeyCheck>;
  /** Forgets every key (a revocation, or the listener lost). */
  invalidate(): void;
  /** True while revocations are being heard, i.e. while verified keys may be served from memory. */
  readonly listening: boolean;
  /** Starts the listener now rather than on the first verify (resolves once it listens or failed). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createApiKeyCache(opts: ApiKeyCacheOptions): ApiKeyCache {
  const ttlMs = opts.ttlMs ?? API_KEY_CACHE_TTL_MS;
  const now = opts.now ?? (() => performance.now());
  const onError = opts.onError ?? ((message, error) => console.error(message, error));
  const entries = new Map<string, Entry>();
  // Bumped by every invalidation: a verification that began before one must not store its
  // (possibly revoked since) answer.
  let generation = 0;
  let listening = false;
  let closed = false;
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let reconnectDelay = RECONNECT_MIN_MS;
  let reconnectTimer: NodeJS.Timeout | null = null;

  const invalidate = () => {
    generation++;
    entries.clear();
  };
  const unsubscribe = onLocalApiKeyRevocation(invalidate);

  const lost = (c: pg.Client, error: unknown) => {
    if (client !== c) return;
    client = null;
    listening = false;
    invalidate();
    c.removeAllListeners();
    c.on("error", () => {}); // the dead client may still report errors; nothing listens now
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
        if (n.channel === API_KEYS_CHANNEL) invalidate();
      });
      c.on("error", (err) => lost(c, err));
      c.on("end", () => lost(c, new Error("connection closed")));
      try {
        await c.connect();
        await c.query(`listen ${API_KEYS_CHANNEL}`);
        if (client !== c || closed) return;
        // Anything revoked while nobody listened is visible to the queries from now on.
        invalidate();
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
    invalidate,
    start: listen,
    async verify(db, presented) {
      const id = apiKeyIdOf(presented);
      if (id === null) return { ok: false, reason: "malformed" };
      if (!listening && !connecting && !reconnectTimer && !closed) void listen();
      if (listening) {
        const hit = entries.get(id);
        if (hit && hit.expiresAt > now()) {
          // The id is public; the secret is checked against the verified hash in constant time.
          return apiKeyHashEquals(presented, hit.secretHash)
            ? { ok: true, key: hit.key }
            : { ok: false, reason: "unknown" };
        }
      }
      const startedAt = now();
      const startGeneration = generation;
      const wasListening = listening;
      const check = await verifyApiKey(db, presented);
      if (check.ok && wasListening && listening && generation === startGeneration) {
        entries.delete(id); // re-inserted at the end: the oldest entry is the first one evicted
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
        entries.set(id, { key: check.key, secretHash: hashApiKey(presented), expiresAt: startedAt + ttlMs });
      }
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
        await c.end().catch(() => {});
      }
    },
  };
}
