// Clicks stamped ahead of the collector's clock against the real Kafka: past MAX_FUTURE_SKEW_MS
// (30 s by default, or as configured) they are refused as future_timestamp and go to the dead
// letters only; within it they are accepted. The whole pipeline's view (windows, as_of, the
// watermark) is apps/aggregator/test/clock.integration.test.ts.
import { randomUUID } from "node:crypto";
import { deadLetterSchema } from "@adclicks/kafka";
import { createTestEnv, readTopicUntil, type TestEnv, waitFor } from "@adclicks/test-utils";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Collector, startCollector } from "./collector";
import { createCollectorMetrics } from "./metrics";

let env: TestEnv;
const collectors: Collector[] = [];

beforeAll(async () => {
  env = await createTestEnv("future-clicks", { partitions: 1 });
});
afterAll(async () => {
  for (const c of collectors) await c.close();
  await env?.cleanup();
});

async function collector(maxFutureSkewMs?: number): Promise<string> {
  const c = await startCollector({
    kafka: env.kafka,
    topics: env.topics,
    logger: pino({ level: "silent" }),
    port: 0,
    host: "127.0.0.1",
    metrics: createCollectorMetrics(new Registry(), { defaults: false }),
    auth: { allowAnonymous: true, verify: async () => ({ ok: false, reason: "unknown" }) },
    maxFutureSkewMs,
  });
  collectors.push(c);
  const url = `http://127.0.0.1:${c.port}`;
  await waitFor("collector ready", async () => (await fetch(`${url}/readyz`)).status === 200, { timeoutMs: 30_000 });
  return url;
}

const click = (adId: string, ts: number) =>
  JSON.stringify({
    event_id: randomUUID(),
    ad_id: adId,
    click_timestamp: ts,
    user_id: "u-1",
    ip: "10.0.0.1",
    country: "US",
  });

async function post(url: string, lines: string[]) {
  const res = await fetch(`${url}/v1/clicks`, {
    method: "POST",
    body: `${lines.join("\n")}\n`,
    headers: { "content-type": "application/x-ndjson" },
  });
  return {
    status: res.status,
    body: (await res.json()) as { accepted: number; rejected: number; errors: { reason: string }[] },
  };
}

test("clicks stamped now + 290 s are refused as future_timestamp; one 20 s ahead is accepted", async () => {
  const url = await collector();
  // A body of nothing but future clicks is refused whole (mostly invalid): nothing is produced.
  const future = Array.from({ length: 200 }, (_, i) => click(`ad-new-${i}`, Date.now() + 290_000));
  const refused = await post(url, future);
  expect({ status: refused.status, accepted: refused.body.accepted, rejected: refused.body.rejected }).toEqual({
    status: 400,
    accepted: 0,
    rejected: 200,
  });
  expect(new Set(refused.body.errors.map((e) => e.reason))).toEqual(new Set(["future_timestamp"]));

  // A few among valid ones are dead-lettered with their reason; the click 20 s ahead is counted.
  const few = Array.from({ length: 3 }, (_, i) => click(`ad-few-${i}`, Date.now() + 290_000));
  const soon = click("ad-soon", Date.now() + 20_000);
  const mixed = await post(url, [soon, ...few]);
  expect({ status: mixed.status, ...mixed.body }).toEqual({
    status: 202,
    accepted: 1,
    rejected: 3,
    errors: [1, 2, 3].map((index) => ({ index, reason: "future_timestamp" })),
  });

  // Kafka holds the 3 as dead letters, with their payload and reason, and only the one click.
  const dlq = await readTopicUntil(env.kafka, env.topics.deadLetters, (all) => all.length >= 3);
  const letters = dlq.map((m) => deadLetterSchema.parse(JSON.parse(m.value)));
  expect(letters.map((l) => l.reason)).toEqual(Array(3).fill("future_timestamp"));
  expect(letters.map((l) => l.payload).sort()).toEqual([...few].sort());
  const clicks = await readTopicUntil(env.kafka, env.topics.clicks, (all) => all.length >= 1);
  expect(clicks.map((m) => m.key)).toEqual(["ad-soon"]);
});

test("MAX_FUTURE_SKEW_MS is the collector's setting: at 5 s, a click 20 s ahead is refused", async () => {
  const url = await collector(5_000);
  const r = await post(url, [click("ad-strict", Date.now() + 20_000), click("ad-strict", Date.now() + 1_000)]);
  expect(r.body).toEqual({ accepted: 1, rejected: 1, errors: [{ index: 0, reason: "future_timestamp" }] });
});
