// `npm run bench:ingest`: ingest throughput on this machine, against the real Kafka and
// Postgres, in an isolated topic set and database. (1) HTTP collector with 1,000-event NDJSON
// batches (autocannon), (2) shipper on a pre-written log file, (3) raw archive catching up.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createPool } from "@adclicks/db";
import { ClickFactory, createRng, DEFAULT_TRAFFIC } from "@adclicks/generator";
import { createIdempotentProducer } from "@adclicks/kafka";
import { ChildProcesses, createTestEnv, exited, freePort, type TestEnv, waitFor } from "@adclicks/test-utils";
import autocannon from "autocannon";
import kafkajs from "kafkajs";

const app = (name: string) => fileURLToPath(new URL(`../../${name}/src/main.ts`, import.meta.url));
const HTTP_SECONDS = 15;
const HTTP_CONNECTIONS = 8;
const BATCH = 1_000;
const SHIPPER_LINES = 500_000;
const ARCHIVE_EVENTS = 300_000;

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const children = new ChildProcesses();

/** Starts an app; with `capture`, its stdout (pino's JSON lines) is kept in `out`. */
function run(script: string, args: string[], env: NodeJS.ProcessEnv, capture = false) {
  const child = children.tsx(script, args, { env, stdout: capture ? "pipe" : "ignore" });
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
  const collector = run(app("collector"), [], env.childEnv({ COLLECTOR_PORT: String(port), LOG_LEVEL: "warn" }));
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
      headers: { "content-type": "application/x-ndjson" },
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
  const started = Date.now();
  const shipper = run(
    app("shipper"),
    ["--state", join(dir, "state.json"), "--once", log],
    env.childEnv({ LOG_LEVEL: "info" }),
    true,
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
  return { lines: last?.lines ?? 0, seconds: last?.seconds ?? wall, wall };
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
      compression: kafkajs.CompressionTypes.LZ4,
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
  const http = await benchCollector(ingestEnv);
  console.log(
    `collector   ${fmt(http.eventsPerSec)} events/s  (${fmt(http.requests)} requests of ${BATCH} events in ${http.seconds.toFixed(1)} s, ` +
      `${HTTP_CONNECTIONS} connections; latency p50 ${http.p50} ms, p99 ${http.p99} ms; non-2xx ${http.non2xx}, errors ${http.errors})  target ≥ 50,000`,
  );
  const ship = await benchShipper(ingestEnv);
  console.log(
    `shipper     ${fmt(ship.lines / ship.seconds)} lines/s  (${fmt(ship.lines)} lines in ${ship.seconds.toFixed(1)} s; ` +
      `${fmt(ship.lines / ship.wall)} lines/s with process start)  target ≥ 100,000`,
  );
  const archiveEnv = await createTestEnv("bench_archive", { partitions: 12 });
  envs.push(archiveEnv);
  const arch = await benchArchive(archiveEnv);
  console.log(
    `raw archive ${fmt(arch.rowsPerSec)} rows/s  (${fmt(arch.rows)} unique clicks, catching up from a full topic; ` +
      `${fmt(arch.withStartup)} rows/s with start and group join)  target keeps up with 50,000`,
  );
} finally {
  children.killAll();
  for (const e of envs) await e.cleanup().catch(() => {});
}
process.exit(0);
