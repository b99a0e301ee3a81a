// The generator CLI end to end: to Kafka directly (its ground truth equals a recount of the
// topic), to the HTTP collector started after it (it retries until the collector is up), and
// to rotating log files.
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseClick } from "@adclicks/core";
import { createDb } from "@adclicks/db/client";
import { createIngestKey } from "@adclicks/db/queries";
import { createKafka } from "@adclicks/kafka";
import { ChildProcesses, createTestEnv, exited, freePort, readTopicUntil, type TestEnv } from "@adclicks/test-utils";
import { afterAll, beforeAll, expect, test } from "vitest";
import { GroundTruth, type GroundTruthFile, truthKey } from "./ground-truth";

const GENERATOR = fileURLToPath(new URL("./main.ts", import.meta.url));
const COLLECTOR = fileURLToPath(new URL("../../collector/src/main.ts", import.meta.url));
let env: TestEnv;
const children = new ChildProcesses();

beforeAll(async () => {
  env = await createTestEnv("generator");
});
afterAll(async () => {
  children.killAll();
  await env?.cleanup();
});

const run = (script: string, args: string[], extra: Record<string, string> = {}): ChildProcess =>
  children.tsx(script, args, { env: env.childEnv({ LOG_LEVEL: "warn", ...extra }) });

async function readTruth(path: string): Promise<GroundTruth> {
  return GroundTruth.fromJSON(JSON.parse(await readFile(path, "utf8")) as GroundTruthFile);
}

/** Recounts valid distinct clicks per (ad, minute, country) from what is in the topic. */
function recount(values: string[]): Map<string, number> {
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  for (const v of values) {
    const r = parseClick(v, { nowMs: Date.now() });
    if (!r.ok || seen.has(r.click.eventId)) continue;
    seen.add(r.click.eventId);
    const k = truthKey(r.click.adId, r.click.ts - (r.click.ts % 60_000), r.click.country);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

test("--target kafka: every event is in the topic and the ground truth equals a recount", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gen-"));
  const truthPath = join(dir, "truth.json");
  const gen = run(GENERATOR, [
    ...["--target", "kafka", "--total", "5000", "--rate", "0", "--ads", "500", "--seed", "k"],
    ...["--duplicates", "0.1", "--late", "0.1", "--malformed", "0.05", "--truth", truthPath, "--quiet"],
  ]);
  expect(await exited(gen)).toBe(0);
  const truth = await readTruth(truthPath);
  expect(truth.totals.valid + truth.totals.late + truth.totals.duplicate + truth.totals.malformed).toBe(5000);
  const all = await readTopicUntil(
    createKafka(env.kafkaBrokers, `chk-${env.id}`),
    env.topics.clicks,
    (m) => m.length >= 5000,
  );
  expect(all).toHaveLength(5000);
  expect(recount(all.map((m) => m.value))).toEqual(new Map(truth.asMap()));
});

test("--target http with an ingest key retries until the collector is up, then everything it sent is accounted for", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gen-"));
  const truthPath = join(dir, "truth.json");
  const port = await freePort();
  const db = createDb(env.databaseUrl, 1);
  const { key } = await createIngestKey(db, { name: "generator-it", eventsPerSecond: 1_000_000 });
  await db.$client.end();
  const httpArgs = ["--target", "http", "--url", `http://127.0.0.1:${port}/v1/clicks`, "--rate", "0", "--quiet"];
  const gen = run(
    GENERATOR,
    [...httpArgs, "--total", "2000", "--batch", "200", "--malformed", "0.05", "--ads", "50", "--truth", truthPath],
    { GENERATOR_INGEST_KEY: key },
  );
  // Started after the generator: its first requests find nothing listening.
  const collector = run(COLLECTOR, [], {
    COLLECTOR_PORT: String(port),
    COLLECTOR_HOST: "127.0.0.1",
    COLLECTOR_METRICS_PORT: "0",
  });
  expect(await exited(gen)).toBe(0);
  // Without a key the collector (anonymous ingest off) refuses it, and the generator stops at once.
  expect(await exited(run(GENERATOR, [...httpArgs, "--total", "10"], { LOG_LEVEL: "fatal" }))).toBe(1);
  collector.kill("SIGTERM");
  expect(await exited(collector)).toBe(0);
  const truth = await readTruth(truthPath);
  expect(truth.totals.malformed).toBeGreaterThan(0);
  const valid = truth.totals.valid + truth.totals.late + truth.totals.duplicate;
  const all = await readTopicUntil(
    createKafka(env.kafkaBrokers, `chk2-${env.id}`),
    env.topics.clicks,
    (m) => m.length >= 5000 + valid,
  );
  // The collector dropped nothing: every valid distinct click of this run is in the topic.
  const mine = recount(all.map((m) => m.value));
  for (const [k, n] of truth.asMap()) expect(mine.get(k) ?? 0).toBeGreaterThanOrEqual(n);
});

test("--target file with rotation writes every event as a line across the rotated files", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gen-"));
  const log = join(dir, "clicks.log");
  const gen = run(GENERATOR, [
    ...["--target", "file", "--file", log, "--rotate-bytes", "100000", "--total", "3000", "--rate", "0"],
    ...["--batch", "100", "--quiet"],
  ]);
  expect(await exited(gen)).toBe(0);
  const files = (await readdir(dir)).filter((f) => f.startsWith("clicks.log"));
  expect(files.length).toBeGreaterThan(2);
  let lines = 0;
  for (const f of files) lines += (await readFile(join(dir, f), "utf8")).split("\n").filter(Boolean).length;
  expect(lines).toBe(3000);
});
