// The ingest-key cache against real Postgres: ingest and partner keys never open each other's
// door, and with staleIfErrorMs (the collector) a key verified lately is still accepted while
// Postgres cannot be reached — but not once a revocation was heard, not past the bound, and never
// a key it had not verified.
import { createTestEnv, TcpProxy, type TestEnv } from "@adclicks/test-utils";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createDb, type Db } from "../client";
import { createIngestKeyCache } from "./api-key-cache";
import { createApiKey, createIngestKey, revokeApiKey, verifyApiKey, verifyIngestKey } from "./api-keys";

let env: TestEnv;
let db: Db;
let proxy: TcpProxy;
/** Queries through a proxy the test cuts: Postgres unreachable for the cache's lookups only. */
let viaProxy: Db;

beforeAll(async () => {
  env = await createTestEnv("ingest-key-cache");
  db = createDb(env.databaseUrl, 2);
  const u = new URL(env.databaseUrl);
  proxy = new TcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
  await proxy.start();
  u.port = String(proxy.port);
  viaProxy = createDb(u.toString(), 2);
});

afterAll(async () => {
  await viaProxy?.$client.end().catch(() => {}); // its connections died with the proxy
  await proxy?.stop();
  await db?.$client.end();
  await env?.cleanup();
});

test("an ingest key is not a partner key, nor the other way round", async () => {
  const ingest = await createIngestKey(db, { name: "adserver", eventsPerSecond: 42 });
  const partner = await createApiKey(db, { name: "billing", scope: { kind: "all" } });
  expect(ingest.key).toMatch(/^aci_/);
  expect(await verifyIngestKey(db, ingest.key)).toMatchObject({
    ok: true,
    key: { kind: "ingest", eventsPerSecond: 42 },
  });
  expect(await verifyApiKey(db, ingest.key)).toEqual({ ok: false, reason: "malformed" });
  expect(await verifyIngestKey(db, partner.key)).toEqual({ ok: false, reason: "malformed" });
  // The same id part under the other prefix is the other kind's key: refused by its stored kind.
  expect(await verifyApiKey(db, ingest.key.replace(/^aci_/, "acp_"))).toEqual({ ok: false, reason: "unknown" });
  await expect(createIngestKey(db, { name: "zero", eventsPerSecond: 0 })).rejects.toThrow(/events_per_second/);
});

test("while Postgres is unreachable, keys verified lately are still accepted; others are not", async () => {
  const clock = { t: 0 };
  const cache = createIngestKeyCache({
    databaseUrl: env.databaseUrl,
    staleIfErrorMs: 60_000,
    now: () => clock.t,
    onError: () => {},
  });
  const strict = createIngestKeyCache({ databaseUrl: env.databaseUrl, now: () => clock.t, onError: () => {} });
  try {
    await cache.start();
    const known = await createIngestKey(db, { name: "known" });
    const revokedLater = await createIngestKey(db, { name: "revoked-later" });
    const never = await createIngestKey(db, { name: "never-seen" });
    for (const k of [known, revokedLater]) {
      expect((await cache.verify(viaProxy, k.key)).ok).toBe(true);
      expect((await strict.verify(viaProxy, k.key)).ok).toBe(true);
    }
    // A revocation heard (NOTIFY, or this process) drops the key from memory, stale copy included.
    await revokeApiKey(db, revokedLater.id);

    await proxy.stop();
    clock.t += 30_000; // past the fresh-entry TTL: every answer would need Postgres
    expect(await cache.verify(viaProxy, known.key)).toMatchObject({ ok: true, key: { id: known.id } });
    expect(await cache.verify(viaProxy, known.key)).toMatchObject({ ok: true }); // again, while probing
    await expect(strict.verify(viaProxy, known.key)).rejects.toThrow();
    await expect(cache.verify(viaProxy, revokedLater.key)).rejects.toThrow();
    await expect(cache.verify(viaProxy, never.key)).rejects.toThrow();
    const wrongSecret = `${known.key.slice(0, -1)}${known.key.endsWith("A") ? "B" : "A"}`;
    await expect(cache.verify(viaProxy, wrongSecret)).rejects.toThrow();
    clock.t += 31_000; // now verified more than staleIfErrorMs ago
    await expect(cache.verify(viaProxy, known.key)).rejects.toThrow();

    await proxy.start(); // Postgres back: answers come from it again
    expect(await cache.verify(viaProxy, revokedLater.key)).toEqual({ ok: false, reason: "revoked" });
    expect((await cache.verify(viaProxy, known.key)).ok).toBe(true);
  } finally {
    await cache.close();
    await strict.close();
  }
});
