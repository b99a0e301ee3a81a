// `npm run bench:ingest`: ingest throughput on this machine, against the real Kafka and
// Postgres, in an isolated topic set and database. (1) HTTP collector with 1,000-event NDJSON
// batches (autocannon) sent with an ingest key, as ad servers do (its rate limit set out of the
// way), (2) shipper on a pre-written log file, (3) raw archive catching up.
// `--only shipper` runs one part while iterating; `--cpu-prof <dir>` profiles the shipper child.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createPool } from "@adclicks/db";
import { createDb } from "@adclicks/db/client";
import { createIngestKey } from "@adclicks/db/queries";
import { ClickFactory, createRng, DEFAULT_TRAFFIC } from "@adclicks/generator";
import { CompressionTypes, createIdempotentProducer } from "@adclicks/kafka";
import {
  ChildProcesses,
  createTestEnv,
  exited,
  freePort,
  REPO_ROOT,
  type TestEnv,
  waitFor,
} from "@adclicks/test-utils";
import autocannon from "autocannon";
import { z } from "zod";

const app = (name: string) => fileURLToPath(new URL(`../../${name}/src/main.ts`, import.meta.url));
const HTTP_SECONDS = 15;
const HTTP_CONNECTIONS = 8;
const BATCH = 1_000;
const SHIPPER_LINES = 500_000;
const ARCHIVE_EVENTS = 300_000;

const PARTS = ["collector", "shipper", "archive"] as const;
const flags = z
  .object({
    only: z
      .string()
      .optional()
      .transform((s, ctx) => {
        if (s === undefined) return [...PARTS];
        const parts = s.split(",").map((p) => p.trim());
        const bad = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
        if (bad.length > 0 || parts.length === 0) {
          ctx.addIssue({
            code: "custom",
            message: `--only takes a comma-separated list of ${PARTS.join(", ")} (got "${s}")`,
          });
          return z.NEVER;
        }
        return parts as Array<(typeof PARTS)[number]>;
      }),
    "cpu-prof": z
      .string()
      .min(1, "--cpu-prof needs a directory for the shipper's .cpuprofile files (one per thread)")
      .optional(),
  })
  .strict();
const { values } = parseArgs({ options: { only: { type: "string" }, "cpu-prof": { type: "string" } } });
const parsedFlags = flags.safeParse(values);
if (!parsedFlags.success) {
  console.error(parsedFlags.error.issues.map((i) => i.message).join("\n"));
  process.exit(2);
}
const only = new Set(parsedFlags.data.only);
const cpuProfDir = parsedFlags.data["cpu-prof"] && resolve(parsedFlags.data["cpu-prof"]);

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const children = new ChildProcesses();

/** Children started with extra node flags (profiling), which ChildProcesses cannot pass. */
const profiled = new Set<ChildProcess>();

/**
 * Starts an app; with `capture`, its stdout (pino's JSON lines) is kept in `out`. `nodeFlags`
 * (e.g. --cpu-prof, which NODE_OPTIONS refuses) go to node before tsx.
 */
function run(script: string, args: string[], env: NodeJS.ProcessEnv, capture = false, nodeFlags: string[] = []) {
  const stdout = capture ? "pipe" : "ignore";
  let child: ChildProcess;
  if (nodeFlags.length === 0) child = children.tsx(script, args, { env, stdout });
  else {
    child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", script, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", stdout, "inherit"],
    });
    profiled.add(child);
    child.on("exit", () => profiled.delete(child));
  }
  const out: string[] = [];
  child.stdout?.on("data", (d: Buffer) => out.push(d.toString()));
  return Object.assign(child, { out });
}

function lines(seed: string, n: number): string[] {
  const f = new ClickFactory(createRng(seed), DEFAULT_TRAFFIC);
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => f.next(now + Math.floor(i / 1000)).line);
}

async function benchCollector(env: TestEnv) {
  const port = await freePort();
  const db = createDb(env.databaseUrl, 1);
  const { key } = await createIngestKey(db, { name: "bench", eventsPerSecond: 10_000_000 });
  await db.$client.end();
  const collector = run(
    app("collector"),
    [],
    env.childEnv({ COLLECTOR_PORT: String(port), COLLECTOR_METRICS_PORT: "0", LOG_LEVEL: "warn" }),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor("collector ready", async () => (await fetch(`${url}/readyz`)).ok, { timeoutMs: 60_000 });
  const bodies = Array.from({ length: 20 }, (_, i) => `${lines(`http-${i}`, BATCH).join("\n")}\n`);
  const result = await autocannon({
    url,
    connections: HTTP_CONNECTIONS,
    duration: HTTP_SECONDS,
    requests: bodies.map((body) => ({
      method: "POST",
      path: "/v1/clicks",
      headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${key}` },
      body,
    })),
  });
  collector.kill("SIGTERM");
  await exited(collector);
  const ok = result["2xx"];
  return {
    eventsPerSec: (ok * BATCH) / result.duration,
    requests: ok,
    non2xx: result.non2xx,
    errors: result.errors,
    p50: result.latency.p50,
    p99: result.latency.p99,
    seconds: result.duration,
  };
}

async function benchShipper(env: TestEnv) {
  const dir = await mkdtemp(join(tmpdir(), "bench-shipper-"));
  const log = join(dir, "clicks.log");
  const chunk = 100_000;
  for (let i = 0; i < SHIPPER_LINES; i += chunk)
    await writeFile(log, `${lines(`ship-${i}`, chunk).join("\n")}\n`, { flag: "a" });
  const before = await topicSize(env);
  if (cpuProfDir) await mkdir(cpuProfDir, { recursive: true });
  // One profile per thread (main and workers), written as each exits.
  const prof = cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : [];
  const started = Date.now();
  const shipper = run(
    app("shipper"),
    ["--state", join(dir, "state.json"), "--once", log],
    env.childEnv({ LOG_LEVEL: "info" }),
    true,
    prof,
  );
  const code = await exited(shipper);
  const wall = (Date.now() - started) / 1000;
  if (code !== 0) throw new Error(`shipper exited with ${code}`);
  const last = shipper.out
    .join("")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { msg: string; lines?: number; seconds?: number })
    .find((l) => l.msg === "stopped");
  await rm(dir, { recursive: true, force: true });
  // A fast shipper that loses lines is no win: the topic must have grown by every line.
  const produced = (await topicSize(env)) - before;
  if (produced < SHIPPER_LINES) throw new Error(`the shipper produced ${produced} of ${SHIPPER_LINES} lines`);
  return { lines: last?.lines ?? 0, seconds: last?.seconds ?? wall, wall, produced };
}

/** Records in the clicks topic (sum of its partitions' high watermarks; nothing is deleted here). */
async function topicSize(env: TestEnv): Promise<number> {
  const admin = env.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(env.topics.clicks);
    return offsets.reduce((sum, o) => sum + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

async function benchArchive(env: TestEnv) {
  const producer = createIdempotentProducer(env.kafka);
  await producer.connect();
  const f = new ClickFactory(createRng("archive"), DEFAULT_TRAFFIC);
  for (let sent = 0; sent < ARCHIVE_EVENTS; sent += 5_000) {
    const now = Date.now();
    const events = Array.from({ length: 5_000 }, () => f.next(now));
    await producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.LZ4,
      topicMessages: [{ topic: env.topics.clicks, messages: events.map((e) => ({ key: e.key, value: e.line })) }],
    });
  }
  await producer.disconnect();
  const pool = createPool(env.databaseUrl, 1);
  const count = async () => (await pool.query<{ n: number }>("select count(*)::int as n from raw_clicks")).rows[0]!.n;
  const started = Date.now();
  const archiver = run(
    app("archiver"),
    [],
    env.childEnv({ ARCHIVER_ROLES: "raw-archive", ARCHIVER_PORT: "0", LOG_LEVEL: "warn" }),
  );
  let firstRowAt = 0;
  await waitFor(
    "the archive to catch up",
    async () => {
      const n = await count();
      if (n > 0 && firstRowAt === 0) firstRowAt = Date.now();
      return n >= ARCHIVE_EVENTS;
    },
    { timeoutMs: 300_000, intervalMs: 200 },
  );
  const done = Date.now();
  archiver.kill("SIGTERM");
  await exited(archiver);
  await pool.end();
  return {
    rows: ARCHIVE_EVENTS,
    rowsPerSec: ARCHIVE_EVENTS / ((done - firstRowAt) / 1000),
    withStartup: ARCHIVE_EVENTS / ((done - started) / 1000),
  };
}

const envs: TestEnv[] = [];
try {
  console.log("bench:ingest — isolated topics and database; 2 shared cores, Kafka and Postgres on the same machine\n");
  const ingestEnv = await createTestEnv("bench_ingest", { partitions: 12 });
  envs.push(ingestEnv);
  if (only.has("collector")) {
    const http = await benchCollector(ingestEnv);
    console.log(
      `collector   ${fmt(http.eventsPerSec)} events/s  (${fmt(http.requests)} requests of ${BATCH} events in ${http.seconds.toFixed(1)} s, ` +
        `${HTTP_CONNECTIONS} connections; latency p50 ${http.p50} ms, p99 ${http.p99} ms; non-2xx ${http.non2xx}, errors ${http.errors})  target ≥ 50,000`,
    );
  }
  if (only.has("shipper")) {
    const ship = await benchShipper(ingestEnv);
    console.log(
      `shipper     ${fmt(ship.lines / ship.seconds)} lines/s  (${fmt(ship.lines)} lines in ${ship.seconds.toFixed(1)} s; ` +
        `${fmt(ship.lines / ship.wall)} lines/s with process start; topic +${fmt(ship.produced)})  target ≥ 100,000`,
    );
    if (cpuProfDir) console.log(`            shipper CPU profile in ${cpuProfDir}`);
  }
  if (only.has("archive")) {
    const archiveEnv = await createTestEnv("bench_archive", { partitions: 12 });
    envs.push(archiveEnv);
    const arch = await benchArchive(archiveEnv);
    console.log(
      `raw archive ${fmt(arch.rowsPerSec)} rows/s  (${fmt(arch.rows)} unique clicks, catching up from a full topic; ` +
        `${fmt(arch.withStartup)} rows/s with start and group join)  target keeps up with 50,000`,
    );
  }
} finally {
  children.killAll();
  for (const c of profiled) c.kill("SIGKILL");
  for (const e of envs) await e.cleanup().catch(() => {});
}
process.exit(0);
