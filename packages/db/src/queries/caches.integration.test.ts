// The query layer's process-local caches against real Postgres: verified API keys
// (served from memory, dropped on every revocation — in this process at once, from another
// connection by NOTIFY — bypassed while the listener is down, bounded by a TTL, never refilled by
// a verification that raced a revocation) and the rollup
// status (shared by the queries of about a second; a read required after a moment sees later
// writes).
import net from "node:net";
import { createTestEnv, type TestEnv } from "@adclicks/test-utils";
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { createDb, type Db } from "../client";
import { markMinutesFinal, writeRollups } from "../testing";
import {
  API_KEYS_CHANNEL,
  type ApiKeyCache,
  createApiKey,
  createApiKeyCache,
  getRollupStatusSince,
  MINUTE_MS,
  revokeApiKey,
} from "./index";

let env: TestEnv;
let db: Db;
const caches: ApiKeyCache[] = [];

beforeAll(async () => {
  env = await createTestEnv("caches");
  db = createDb(env.databaseUrl, 4);
});

afterEach(async () => {
  for (const c of caches.splice(0)) await c.close();
});

afterAll(async () => {
  await db.$client.end();
  await env.cleanup();
});

/** A cache on a clock the test moves, listening already (so it may serve from memory). */
async function listeningCache(clock = { t: 0 }): Promise<{ cache: ApiKeyCache; clock: { t: number } }> {
  const cache = createApiKeyCache({ databaseUrl: env.databaseUrl, now: () => clock.t, onError: () => {} });
  caches.push(cache);
  await cache.start();
  expect(cache.listening).toBe(true);
  return { cache, clock };
}

/** Changes the key behind the cache's back: no notification, as a hand-written UPDATE would. */
async function revokeSilently(id: string): Promise<void> {
  await db.execute(sql`update api_keys set revoked_at = now() where id = ${id}`);
}

async function listenerPids(): Promise<number[]> {
  const res = await db.execute<{ pid: number }>(
    sql`select pid from pg_stat_activity where datname = current_database() and query ilike ${`listen ${API_KEYS_CHANNEL}`}`,
  );
  return res.rows.map((r) => r.pid);
}

describe("API key cache", () => {
  test("a verified key is answered from memory until the TTL, then from Postgres again", async () => {
    const { cache, clock } = await listeningCache();
    const { id, key } = await createApiKey(db, { name: "cached", scope: { kind: "all" } });
    expect(await cache.verify(db, key)).toMatchObject({ ok: true, key: { id, name: "cached" } });
    await revokeSilently(id);
    // Still in memory: proof the second answer did not come from Postgres.
    expect(await cache.verify(db, key)).toMatchObject({ ok: true, key: { id } });
    clock.t += 10_001;
    expect(await cache.verify(db, key)).toEqual({ ok: false, reason: "revoked" });
  });

  test("a wrong secret for a cached key id is refused from memory; malformed keys never reach Postgres", async () => {
    const { cache } = await listeningCache();
    const { key } = await createApiKey(db, { name: "secret", scope: { kind: "all" } });
    expect((await cache.verify(db, key)).ok).toBe(true);
    const forged = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
    expect(await cache.verify(db, forged)).toEqual({ ok: false, reason: "unknown" });
    expect(await cache.verify(db, "acp_short")).toEqual({ ok: false, reason: "malformed" });
  });

  test("revokeApiKey in this process drops the key before it returns", async () => {
    const { cache } = await listeningCache();
    const { id, key } = await createApiKey(db, { name: "local", scope: { kind: "all" } });
    expect((await cache.verify(db, key)).ok).toBe(true);
    expect(await revokeApiKey(db, id)).toBe(true);
    expect(await cache.verify(db, key)).toEqual({ ok: false, reason: "revoked" });
  });

  test("a revocation committed by another connection (another process) is heard by NOTIFY", async () => {
    const { cache } = await listeningCache(); // clock frozen: the TTL cannot be what drops the key
    const { id, key } = await createApiKey(db, { name: "remote", scope: { kind: "all" } });
    expect((await cache.verify(db, key)).ok).toBe(true);
    // What revokeApiKey sends, from a separate session (no in-process hook can fire).
    const other = new pg.Client({ connectionString: env.databaseUrl });
    await other.connect();
    try {
      await other.query("begin");
      await other.query("update api_keys set revoked_at = now() where id = $1", [id]);
      await other.query("select pg_notify($1, $2)", [API_KEYS_CHANNEL, id]);
      await other.query("commit");
    } finally {
      await other.end();
    }
    // Delivery is asynchronous (milliseconds); the deadline is far below the 10 s TTL.
    await vi.waitFor(async () => expect(await cache.verify(db, key)).toEqual({ ok: false, reason: "revoked" }), {
      timeout: 2_000,
      interval: 5,
    });
  });

  test("while the listener is down nothing is served from memory; it reconnects by itself", async () => {
    const { cache } = await listeningCache();
    const { id, key } = await createApiKey(db, { name: "deaf", scope: { kind: "all" } });
    expect((await cache.verify(db, key)).ok).toBe(true);
    const pids = await listenerPids();
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) await db.execute(sql`select pg_terminate_backend(${pid})`);
    await vi.waitFor(() => expect(cache.listening).toBe(false), { timeout: 5_000 });
    await revokeSilently(id);
    expect(await cache.verify(db, key)).toEqual({ ok: false, reason: "revoked" });
    await vi.waitFor(() => expect(cache.listening).toBe(true), { timeout: 10_000, interval: 50 });
  });

  test("an answer read before a revocation but arriving after it is not kept", async () => {
    const { cache } = await listeningCache();
    const { id, key } = await createApiKey(db, { name: "race", scope: { kind: "all" } });
    // A second pool whose replies a proxy can hold back: the verification reads the key before
    // the revocation commits, and its answer only arrives after revokeApiKey has returned.
    const proxy = await HoldingProxy.start(new URL(env.databaseUrl));
    const slowUrl = new URL(env.databaseUrl);
    slowUrl.host = `127.0.0.1:${proxy.port}`;
    const slowDb = createDb(slowUrl.toString(), 1);
    try {
      await slowDb.execute(sql`select 1`); // connected before holding
      proxy.holding = true;
      const inFlight = cache.verify(slowDb, key);
      await vi.waitFor(() => expect(proxy.heldBytes).toBeGreaterThan(0), { timeout: 5_000, interval: 5 });
      expect(await revokeApiKey(db, id)).toBe(true);
      proxy.release();
      expect(await inFlight).toMatchObject({ ok: true }); // concurrent with the revocation: either answer is fair
      expect(await cache.verify(db, key)).toEqual({ ok: false, reason: "revoked" });
    } finally {
      await slowDb.$client.end();
      await proxy.stop();
    }
  });
});

/** A TCP proxy to Postgres that can hold server replies back until released. */
class HoldingProxy {
  holding = false;
  private held: Buffer[] = [];
  private readonly sockets = new Set<net.Socket>();
  private toClient: net.Socket | undefined;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: URL): Promise<HoldingProxy> {
    let proxy: HoldingProxy | undefined;
    const server = net.createServer((client) => {
      const upstream = net.connect({ host: target.hostname, port: Number(target.port || 5432) });
      proxy?.sockets.add(client).add(upstream);
      if (proxy) proxy.toClient = client;
      client.on("data", (d) => upstream.write(d));
      upstream.on("data", (d) => {
        if (proxy?.holding) proxy.held.push(d);
        else client.write(d);
      });
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy = new HoldingProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  get heldBytes(): number {
    return this.held.reduce((n, b) => n + b.length, 0);
  }

  release(): void {
    this.holding = false;
    for (const b of this.held.splice(0)) this.toClient?.write(b);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe("rollup status", () => {
  const HEAD = Date.UTC(2026, 0, 5, 12, 0);

  test("recent reads share one answer; a read required after a moment reflects later writes", async () => {
    await writeRollups(db, [{ adId: "ad-1", minuteMs: HEAD, country: "US", clicks: 3 }]);
    await markMinutesFinal(db, [HEAD - MINUTE_MS]);
    const before = performance.now();
    const first = await getRollupStatusSince(db, before);
    expect(first).toEqual({ headMs: HEAD, asOfMs: HEAD });
    await writeRollups(db, [{ adId: "ad-1", minuteMs: HEAD + MINUTE_MS, country: "US", clicks: 1 }]);
    await markMinutesFinal(db, [HEAD]);
    // Recent enough for `before`: the remembered answer, even though Postgres moved on.
    expect(await getRollupStatusSince(db, before)).toBe(first);
    // A query that began after the writes sees them.
    expect(await getRollupStatusSince(db, performance.now())).toEqual({
      headMs: HEAD + MINUTE_MS,
      asOfMs: HEAD + MINUTE_MS,
    });
  });
});
