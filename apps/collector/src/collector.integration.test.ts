// The collector against the real Kafka: 202 only for what Kafka acknowledged (keyed by ad_id on
// Kafka's default partition), dead letters with reasons, 4xx for every kind of bad body, and
// 503 + Retry-After while the broker is unreachable (through a proxy the test cuts), then
// accepting again with nothing acknowledged lost; hot ads split by the aggregator's lists. Every
// request carries an ingest key (trusted-ingest.integration.test.ts tests the keys themselves).
import { randomUUID } from "node:crypto";
import { createPool, openHotAdFeed } from "@adclicks/db";
import { createDb, type Db } from "@adclicks/db/client";
import { createIngestKey, verifyIngestKey } from "@adclicks/db/queries";
import { ClickFactory, createRng, DEFAULT_TRAFFIC, type GeneratedEvent } from "@adclicks/generator";
import { createKafka, deadLetterSchema, logLevel, Partitioners } from "@adclicks/kafka";
import { createTestEnv, readTopicUntil, TcpProxy, type TestEnv, waitFor } from "@adclicks/test-utils";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Collector, startCollector } from "./collector";
import { createCollectorMetrics } from "./metrics";

const logger = pino({ level: "silent" });
let env: TestEnv;
let proxy: TcpProxy;
let collector: Collector;
let url: string;
let db: Db;
let key: string;
const auth = () => ({ allowAnonymous: false, verify: (presented: string) => verifyIngestKey(db, presented) });
const factory = new ClickFactory(createRng("collector-it"), { ...DEFAULT_TRAFFIC, adCount: 200, malformedRatio: 0.1 });

function events(n: number): GeneratedEvent[] {
  return Array.from({ length: n }, () => factory.next(Date.now()));
}

function post(body: string | Uint8Array, contentType = "application/x-ndjson", headers: Record<string, string> = {}) {
  return fetch(`${url}/v1/clicks`, {
    method: "POST",
    body,
    headers: { "content-type": contentType, authorization: `Bearer ${key}`, ...headers },
  });
}

const idOf = (line: string) => (JSON.parse(line) as { event_id: string }).event_id.toLowerCase();

beforeAll(async () => {
  env = await createTestEnv("collector");
  db = createDb(env.databaseUrl, 2);
  ({ key } = await createIngestKey(db, { name: "collector-it" }));
  const [host = "127.0.0.1", port = "9092"] = env.kafkaBrokers.split(",")[0]!.split(":");
  proxy = new TcpProxy({ host, port: Number(port) });
  await proxy.start();
  // Every broker connection of this client goes through the proxy, metadata redirects included.
  const kafka = createKafka(env.kafkaBrokers, `collector-${env.id}`, {
    socketFactory: proxy.socketFactory(),
    logLevel: logLevel.NOTHING, // the outage test makes it shout
  });
  collector = await startCollector({
    kafka,
    topics: env.topics,
    logger,
    port: 0,
    host: "127.0.0.1",
    ackTimeoutMs: 2_000,
    probeIntervalMs: 200,
    retryAfterS: 1,
    metrics: createCollectorMetrics(new Registry(), { defaults: false }),
    auth: auth(),
  });
  url = `http://127.0.0.1:${collector.port}`;
  await waitFor("collector ready", async () => (await fetch(`${url}/readyz`)).status === 200, { timeoutMs: 30_000 });
});

afterAll(async () => {
  await collector?.close();
  await db?.$client.end();
  await proxy?.stop();
  await env?.cleanup();
});

describe("ingest", () => {
  test("valid events land in ad-clicks on the key's default partition; invalid ones in the DLQ with reasons", async () => {
    const batch = events(600);
    const res = await post(`${batch.map((e) => e.line).join("\n")}\n`);
    expect(res.status).toBe(202);
    const body = (await res.json()) as {
      accepted: number;
      rejected: number;
      errors: { index: number; reason: string }[];
    };
    const bad = batch.flatMap((e, index) => (e.kind === "malformed" ? [index] : []));
    expect(body.rejected).toBe(bad.length);
    expect(body.accepted).toBe(batch.length - bad.length);
    expect(body.errors.map((e) => e.index)).toEqual(bad);

    const wanted = new Set(batch.filter((e) => e.kind !== "malformed").map((e) => idOf(e.line)));
    const kafka = createKafka(env.kafkaBrokers, `check-${env.id}`);
    const got = await readTopicUntil(kafka, env.topics.clicks, (all) => all.length >= body.accepted);
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2, 3].map((p) => ({
      partitionId: p,
      partitionErrorCode: 0,
      leader: 1,
      replicas: [1],
      isr: [1],
    }));
    for (const m of got) {
      const click = JSON.parse(m.value) as { event_id: string; ad_id: string; click_timestamp: number };
      expect(m.key).toBe(click.ad_id);
      expect(typeof click.click_timestamp).toBe("number");
      expect(partitioner({ topic: env.topics.clicks, partitionMetadata, message: { key: m.key, value: null } })).toBe(
        m.partition,
      );
      wanted.delete(click.event_id);
    }
    expect(wanted.size).toBe(0);

    const dlq = await readTopicUntil(kafka, env.topics.deadLetters, (all) => all.length >= bad.length);
    const letters = dlq.map((m) => deadLetterSchema.parse(JSON.parse(m.value)));
    expect(letters.map((l) => l.payload).sort()).toEqual(bad.map((i) => batch[i]!.line).sort());
    expect(letters.every((l) => l.source.startsWith("collector:key_") && l.reason.length > 0)).toBe(true);
  });

  test("a JSON array works like NDJSON", async () => {
    const batch = events(50).filter((e) => e.kind !== "malformed");
    const res = await post(`[${batch.map((e) => e.line).join(",")}]`, "application/json");
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: batch.length, rejected: 0, errors: [] });
  });
});

describe("bad input gets a 4xx with a message and never crashes the process", () => {
  const valid = () => events(20).find((e) => e.kind === "valid")!.line;
  test.each<[string, () => Promise<Response>, number, string]>([
    ["wrong content type", () => post(valid(), "text/plain"), 415, "Content-Type"],
    [
      "no content type",
      () =>
        fetch(`${url}/v1/clicks`, {
          method: "POST",
          body: new Uint8Array([1]),
          headers: { authorization: `Bearer ${key}` },
        }),
      415,
      "missing",
    ],
    ["malformed JSON array", () => post('[{"event_id":', "application/json"), 400, "malformed"],
    ["not an array", () => post('"hello"', "application/json"), 400, "array"],
    ["invalid UTF-8", () => post(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), "application/json"), 400, "UTF-8"],
    [
      "deeply nested JSON",
      () => post(`[${"[".repeat(200_000)}${"]".repeat(200_000)}]`, "application/json"),
      400,
      "deeper",
    ],
    [
      "over 5 MB",
      () => post(`${valid()}\n`.repeat(Math.ceil((5.5 * 1024 * 1024) / 200)).padEnd(5.5 * 1024 * 1024)),
      413,
      "5 MB",
    ],
    ["over 10,000 events", () => post(`${valid()}\n`.repeat(10_001)), 413, "10000"],
    ["unsupported encoding", () => post(valid(), "application/x-ndjson", { "content-encoding": "br" }), 415, "br"],
    ["GET on the ingest route", () => fetch(`${url}/v1/clicks`), 405, "POST"],
  ])("%s → %i", async (_name, send, status, message) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toContain(message);
  });

  test("gzip bodies are accepted, and gzip bombs refused with 413", async () => {
    const { gzipSync } = await import("node:zlib");
    const line = valid();
    const ok = await post(gzipSync(`${line}\n`), "application/x-ndjson", { "content-encoding": "gzip" });
    expect(ok.status).toBe(202);
    const bomb = await post(gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)), "application/x-ndjson", {
      "content-encoding": "gzip",
    });
    expect(bomb.status).toBe(413);
  });

  test("fuzz: 300 random and mutated bodies all get < 500, and the process stays healthy", async () => {
    const rng = createRng("fuzz");
    const base = `[${events(3)
      .map((e) => e.line)
      .join(",")}]`;
    const statuses = new Set<number>();
    for (let i = 0; i < 300; i++) {
      let body: Buffer;
      if (i % 3 === 0) body = Buffer.from(Array.from({ length: rng.int(400) }, () => rng.int(256)));
      else {
        const b = Buffer.from(base);
        for (let k = 0; k < 1 + rng.int(4); k++) b[rng.int(b.length)] = rng.int(256);
        body = b;
      }
      const res = await post(body, i % 2 === 0 ? "application/json" : "application/x-ndjson");
      statuses.add(res.status);
      expect(res.status, `body ${body.toString("base64")}`).toBeLessThan(500);
      await res.arrayBuffer();
    }
    expect(statuses.has(400)).toBe(true);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});

describe("Kafka outage", () => {
  test("unreachable → 503 with Retry-After; back → 202 again; every acknowledged event is in Kafka", async () => {
    const acknowledged = new Set<string>();
    const sendValid = async () => {
      const batch = events(100).filter((e) => e.kind === "valid" || e.kind === "late");
      const res = await post(batch.map((e) => e.line).join("\n"));
      if (res.status === 202) for (const e of batch) acknowledged.add(e.click!.eventId);
      return res;
    };
    expect((await sendValid()).status).toBe(202);

    await proxy.stop();
    const down = await sendValid();
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("1");
    expect(((await down.json()) as { error: string }).error).toContain("Kafka is unavailable");
    await waitFor("readyz to report Kafka down", async () => (await fetch(`${url}/readyz`)).status === 503);
    // While it is down, every answer is a 503 (none of them a 2xx).
    for (let i = 0; i < 3; i++) expect((await sendValid()).status).toBe(503);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    await proxy.start();
    await waitFor("the collector to accept again", async () => (await sendValid()).status === 202, {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    expect((await sendValid()).status).toBe(202);

    const kafka = createKafka(env.kafkaBrokers, `check2-${env.id}`);
    const missing = new Set(acknowledged);
    await readTopicUntil(kafka, env.topics.clicks, (all) => {
      for (const m of all.splice(0)) missing.delete((JSON.parse(m.value) as { event_id: string }).event_id);
      return missing.size === 0;
    });
    expect(missing.size).toBe(0);
  });
});

test("Kafka unreachable from the start: readyz 503, ingest 503 with Retry-After, healthz 200", async () => {
  const dead = await startCollector({
    kafka: createKafka("127.0.0.1:1", "collector-dead", { retry: { retries: 0 }, logLevel: logLevel.NOTHING }),
    topics: env.topics,
    logger,
    port: 0,
    host: "127.0.0.1",
    ackTimeoutMs: 1_000,
    probeIntervalMs: 200,
    metrics: createCollectorMetrics(new Registry(), { defaults: false }),
    auth: auth(),
  });
  try {
    const u = `http://127.0.0.1:${dead.port}`;
    expect((await fetch(`${u}/healthz`)).status).toBe(200);
    expect((await fetch(`${u}/readyz`)).status).toBe(503);
    const res = await fetch(`${u}/v1/clicks`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${key}` },
      body: events(5)[0]!.line,
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
  } finally {
    await dead.close();
  }
});

test("a hot ad of the current minute is split over its keys; a duplicate follows its original", async () => {
  // The aggregator's hot list for this minute and the next (the test may cross a boundary).
  const pool = createPool(env.databaseUrl, 1);
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  for (const m of [minute, minute + 60_000]) {
    await pool.query(
      "insert into hot_ads (minute, ad_id, slots, decided_by, clicks) values ($1, 'ad-hot-it', 4, $2, 9999)",
      [new Date(m), new Date(m - 120_000)],
    );
  }
  // As main.ts does: the lists read from the database before the collector starts.
  const feed = await openHotAdFeed(env.databaseUrl);
  expect(feed.router.size).toBe(2);
  const hotCollector = await startCollector({
    kafka: createKafka(env.kafkaBrokers, `collector-hot-${env.id}`),
    topics: env.topics,
    logger,
    port: 0,
    host: "127.0.0.1",
    metrics: createCollectorMetrics(new Registry(), { defaults: false }),
    hotAds: feed.router,
    auth: auth(),
  });
  try {
    const u = `http://127.0.0.1:${hotCollector.port}`;
    await waitFor("hot collector ready", async () => (await fetch(`${u}/readyz`)).status === 200, {
      timeoutMs: 30_000,
    });
    const lines = Array.from({ length: 200 }, () =>
      JSON.stringify({
        event_id: randomUUID(),
        ad_id: "ad-hot-it",
        click_timestamp: Date.now(),
        user_id: "u-1",
        ip: "10.0.0.1",
        country: "US",
      }),
    );
    const send = (body: string[]) =>
      fetch(`${u}/v1/clicks`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${key}` },
        body: `${body.join("\n")}\n`,
      });
    expect((await send(lines)).status).toBe(202);
    // Client retries: the first 50 again, in another request.
    expect((await send(lines.slice(0, 50))).status).toBe(202);

    const kafka = createKafka(env.kafkaBrokers, `check-hot-${env.id}`);
    const got = (
      await readTopicUntil(
        kafka,
        env.topics.clicks,
        (all) => all.filter((m) => m.value.includes('"ad-hot-it"')).length >= 250,
      )
    ).filter((m) => m.value.includes('"ad-hot-it"'));
    expect(got).toHaveLength(250);
    expect(new Set(got.map((m) => m.key))).toEqual(
      new Set(["ad-hot-it#0", "ad-hot-it#1", "ad-hot-it#2", "ad-hot-it#3"]),
    );
    expect(new Set(got.map((m) => m.partition)).size).toBeGreaterThan(1);
    const placed = new Map<string, string>();
    for (const m of got) {
      const at = `${m.key}@${m.partition}`;
      const id = idOf(m.value);
      expect(placed.get(id) ?? at).toBe(at);
      placed.set(id, at);
    }
    expect(placed.size).toBe(200);
  } finally {
    await feed.close();
    await hotCollector.close();
    await pool.end();
  }
});
