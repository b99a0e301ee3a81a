// The collector as a trust boundary, against the real Kafka, Postgres and Redis: a request needs
// an ingest key (401 naming what is missing or wrong; anonymous only when enabled), a key revoked
// by another process is refused at once, each key has a rate (429 + Retry-After), a body that is
// mostly invalid is refused whole and produces nothing, and /metrics is on loopback only.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { createDb, type Db } from "@adclicks/db/client";
import { createApiKey, createIngestKey, createIngestKeyCache, type IngestKeyCache } from "@adclicks/db/queries";
import { deadLetterSchema } from "@adclicks/kafka";
import { createIngestRateLimiter, createRedis, redisKeys } from "@adclicks/live";
import { createTestEnv, REPO_ROOT, readTopicUntil, type TestEnv, waitFor } from "@adclicks/test-utils";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Collector, type CollectorOptions, startCollector } from "./collector";
import { createCollectorMetrics } from "./metrics";

const run = promisify(execFile);
const logger = pino({ level: "silent" });
let env: TestEnv;
let db: Db;
let redis: Redis;
let keyCache: IngestKeyCache;
const collectors: Collector[] = [];

function click(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    event_id: randomUUID(),
    ad_id: "ad-trust",
    click_timestamp: Date.now(),
    user_id: "u-1",
    ip: "203.0.113.9",
    country: "US",
    ...overrides,
  });
}

const clicks = (n: number) => Array.from({ length: n }, () => click());

async function start(opts: Partial<CollectorOptions> = {}): Promise<string> {
  const c = await startCollector({
    kafka: env.kafka,
    topics: env.topics,
    logger,
    port: 0,
    host: "127.0.0.1",
    metrics: createCollectorMetrics(new Registry(), { defaults: false }),
    auth: { allowAnonymous: false, verify: (presented) => keyCache.verify(db, presented) },
    rateLimiter: createIngestRateLimiter({ redis, tag: redisKeys(env.redisPrefix).tag }),
    ...opts,
  });
  collectors.push(c);
  const url = `http://127.0.0.1:${c.port}`;
  await waitFor("collector ready", async () => (await fetch(`${url}/readyz`)).status === 200, { timeoutMs: 30_000 });
  return url;
}

function post(url: string, lines: string[], key?: string) {
  return fetch(`${url}/v1/clicks`, {
    method: "POST",
    body: `${lines.join("\n")}\n`,
    headers: { "content-type": "application/x-ndjson", ...(key ? { authorization: `Bearer ${key}` } : {}) },
  });
}

async function topicEnds(topic: string): Promise<number> {
  const admin = env.kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

let url: string;
let key: string;
let keyId: string;

beforeAll(async () => {
  env = await createTestEnv("trusted-ingest");
  db = createDb(env.databaseUrl, 4);
  redis = createRedis(env.redisUrl);
  keyCache = createIngestKeyCache({ databaseUrl: env.databaseUrl, onError: () => {} });
  await keyCache.start();
  ({ key, id: keyId } = await createIngestKey(db, { name: "adserver-1", eventsPerSecond: 1_000_000 }));
  url = await start();
});

afterAll(async () => {
  for (const c of collectors) await c.close();
  await keyCache?.close();
  redis?.disconnect();
  await db?.$client.end();
  await env?.cleanup();
});

describe("refused before anything is produced", () => {
  test("no key, or a wrong one: 401 naming what is missing or wrong", async () => {
    const partner = await createApiKey(db, { name: "billing", scope: { kind: "all" } });
    const cases: [string | undefined, string][] = [
      [undefined, "Authorization is missing"],
      [partner.key, "partner API key"],
      ["nonsense", "malformed"],
      [`${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`, "not known"],
    ];
    for (const [k, message] of cases) {
      const res = await post(url, [click()], k);
      expect({ k, status: res.status }).toEqual({ k, status: 401 });
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect(((await res.json()) as { error: string }).error).toContain(message);
    }
  });

  test("a body of garbage: 400 with the first errors, and neither topic gets a message", async () => {
    const garbage = `[${Array(10_000).fill("1").join(",")}]`; // 20 KB
    const res = await fetch(`${url}/v1/clicks`, {
      method: "POST",
      body: garbage,
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; rejected: number; errors: { index: number; reason: string }[] };
    expect(body.error).toContain("10000 of 10000 events are invalid");
    expect(body.rejected).toBe(10_000);
    expect(body.errors).toHaveLength(10);
    expect(body.errors[3]).toEqual({ index: 3, reason: expect.any(String) });

    // Mostly invalid, a few valid among them: refused too.
    const mixed = [...clicks(5), ...Array.from({ length: 15 }, () => click({ ip: "x" }))];
    const res2 = await post(url, mixed, key);
    expect(res2.status).toBe(400);
    expect(((await res2.json()) as { errors: { index: number }[] }).errors[0]?.index).toBe(5);

    // Everything so far was refused: nothing reached Kafka.
    expect(await topicEnds(env.topics.clicks)).toBe(0);
    expect(await topicEnds(env.topics.deadLetters)).toBe(0);
  });
});

describe("with a key", () => {
  test("accepted; a few invalid events among valid ones are dead-lettered as before, naming the key", async () => {
    const lines = [...clicks(20), "1", click({ country: "XX" })];
    const res = await post(url, lines, key);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 20, rejected: 2 });
    await waitFor("the clicks and dead letters in Kafka", async () => {
      return (await topicEnds(env.topics.clicks)) === 20 && (await topicEnds(env.topics.deadLetters)) === 2;
    });
    const letters = await readTopicUntil(env.kafka, env.topics.deadLetters, (all) => all.length >= 2);
    expect(letters.map((m) => deadLetterSchema.parse(JSON.parse(m.value)).source)).toEqual([
      `collector:${keyId}`,
      `collector:${keyId}`,
    ]);
  });

  test("a key revoked by another process (the keys CLI) is refused at once, without a restart", async () => {
    const other = await createIngestKey(db, { name: "adserver-2", eventsPerSecond: 1_000_000 });
    expect((await post(url, [click()], other.key)).status).toBe(202);
    expect((await post(url, [click()], other.key)).status).toBe(202); // now verified from memory
    const revoked = await run(
      process.execPath,
      ["--import", "tsx", "packages/api/src/keys-cli.ts", "revoke", other.id],
      { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: env.databaseUrl } },
    );
    expect(revoked.stderr).toContain(`revoked ${other.id}`);
    // The first request after the revocation: the cache heard the NOTIFY, no TTL to wait out.
    const res = await post(url, [click()], other.key);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toContain("revoked");
    expect((await post(url, [click()], key)).status).toBe(202); // the other keys are unaffected
  });

  test("over the key's rate: 429 with Retry-After, nothing accepted; the other keys go on", async () => {
    const slow = await createIngestKey(db, { name: "adserver-slow", eventsPerSecond: 5 });
    // 20 events at 5/s put the key 4 s ahead: the next request, beyond the 1 s burst, waits.
    expect((await post(url, clicks(20), slow.key)).status).toBe(202);
    const before = await topicEnds(env.topics.clicks);
    const res = await post(url, [click()], slow.key);
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(2);
    expect(retryAfter).toBeLessThanOrEqual(3);
    expect(((await res.json()) as { error: string }).error).toContain("5 events per second");
    expect((await post(url, [click()], key)).status).toBe(202);
    expect(await topicEnds(env.topics.clicks)).toBe(before + 1);
  });

  test("the limit is shared through Redis: a second collector process sees the key's debt", async () => {
    const shared = await createIngestKey(db, { name: "adserver-shared", eventsPerSecond: 5 });
    const second = await start();
    expect((await post(url, clicks(20), shared.key)).status).toBe(202);
    expect((await post(second, [click()], shared.key)).status).toBe(429);
  });
});

test("anonymous ingest only where it is enabled, and then within its own limit", async () => {
  const open = await start({
    auth: { allowAnonymous: true, verify: (presented) => keyCache.verify(db, presented) },
    anonymousEventsPerSecond: 5,
  });
  expect((await post(url, [click()])).status).toBe(401);
  expect((await post(open, clicks(20))).status).toBe(202);
  expect((await post(open, [click()])).status).toBe(429);
  expect((await post(open, [click()], key)).status).toBe(202); // a key has its own limit
});

test("/metrics is served on its own loopback listener, not on the ingest port", async () => {
  const u = await start({ metricsPort: 0 });
  const c = collectors.at(-1)!;
  expect((await fetch(`${u}/metrics`)).status).toBe(404);
  expect(c.metricsAddress).toBe("127.0.0.1");
  await post(u, [click()]);
  const res = await fetch(`http://127.0.0.1:${c.metricsPort}/metrics`);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('collector_auth_failures_total{reason="missing"} 1');
});
