// `npm run bench:aggregator`: fills a fresh ad-clicks topic with N clicks (Zipf over 2M ads,
// 20+ countries, the book's 600k clicks/minute of event time), then times one aggregator
// worker consuming to the end. Prints events/s, checkpoint p50/p99, peak RSS, Redis memory.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { MINUTE_MS } from "@adclicks/core";
import { createPool } from "@adclicks/db";
import { ClickFactory, createRng, DEFAULT_TRAFFIC } from "@adclicks/generator";
import { CompressionTypes } from "@adclicks/kafka";
import { createRedis } from "@adclicks/live";
import {
  createTestEnv,
  serviceClassifier,
  startCpuMeter,
  startPrivateRedis,
  waitFor,
  yardstickLine,
} from "@adclicks/test-utils";
import { z } from "zod";
import { WORKER_ENV, WORKER_NODE_FLAGS } from "../src/runtime";

const flags = z
  .object({
    events: z.coerce.number().int().min(1_000, "--events must be at least 1000").default(5_000_000),
    ads: z.coerce.number().int().min(1, "--ads must be positive").default(2_000_000),
    partitions: z.coerce.number().int().min(1).max(64, "--partitions must be at most 64").default(12),
    "checkpoint-ms": z.coerce.number().int().min(50).max(60_000).default(1_000),
    "per-minute": z.coerce.number().int().min(1_000).default(600_000),
    runs: z.coerce.number().int().min(1, "--runs must be at least 1").max(10, "--runs must be at most 10").default(1),
  })
  .strict();
const { values } = parseArgs({
  options: {
    events: { type: "string" },
    ads: { type: "string" },
    partitions: { type: "string" },
    "checkpoint-ms": { type: "string" },
    "per-minute": { type: "string" },
    runs: { type: "string" },
  },
});
const parsed = flags.safeParse(values);
if (!parsed.success) {
  console.error(parsed.error.issues.map((i) => `${i.path.join(".") || "flags"}: ${i.message}`).join("\n"));
  process.exit(2);
}
const opts = { ...parsed.data, perMinute: parsed.data["per-minute"], checkpointMs: parsed.data["checkpoint-ms"] };
const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

const redisServer = await startPrivateRedis();
const env = await createTestEnv("bench", { partitions: opts.partitions, redisUrl: redisServer.url });
const pool = createPool(env.databaseUrl, 2);
const redis = createRedis(redisServer.url);

/** What the worker writes: emptied between runs so every run starts from the same state. */
const AGGREGATOR_TABLES = [
  "click_rollups",
  "click_rollups_hourly",
  "ad_clicks_hourly",
  "consumer_checkpoints",
  "redis_outbox",
  "minute_status",
  "late_events",
  "hot_ads",
];

/** The worker's memory as its checkpoint log reports it (MB). */
interface MemoryMb {
  rss: number;
  heap: number;
  heapTotal: number;
  external: number;
  buffers: number;
}

interface RunResult {
  intoPostgres: number;
  endToEnd: number;
  steadyS: number;
  totalS: number;
  redisLagS: number;
  checkpointMs: number[];
  cells: number;
  rollups: number;
  peakRss: number;
  redisMem: number;
  redisApplyS: number;
  cpu: Map<string, number>;
  peakMemory: MemoryMb | undefined;
}

async function timeWorker(group: string): Promise<RunResult> {
  const checkpointMs: number[] = [];
  let cells = 0;
  let peakMemory: MemoryMb | undefined;
  await redis.config("RESETSTAT");
  // Run as production runs it (src/runtime.ts), plus any extra flags, e.g. --cpu-prof.
  const nodeFlags = [...WORKER_NODE_FLAGS, ...(process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean)];
  const worker = spawn(process.execPath, [...nodeFlags, "--import", "tsx", MAIN], {
    env: env.childEnv({
      ...WORKER_ENV,
      AGGREGATOR_GROUP: group,
      METRICS_PORT: "0",
      LOG_LEVEL: "debug",
      CHECKPOINT_INTERVAL_MS: String(opts.checkpointMs),
    }),
    stdio: ["ignore", "pipe", "inherit"],
  });
  let buf = "";
  worker.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    let nl = buf.indexOf("\n");
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.includes('"msg":"checkpoint"')) {
        const c = JSON.parse(line) as { ms: number; cells: number; memMb: MemoryMb };
        checkpointMs.push(c.ms);
        cells += c.cells;
        if (c.memMb.rss > (peakMemory?.rss ?? 0)) peakMemory = c.memMb;
      } else if (/"level":(40|50|60)/.test(line)) console.error(`\n  worker: ${line.slice(0, 300)}`);
      nl = buf.indexOf("\n");
    }
  });
  const spawned = Date.now();
  const offsets = async () =>
    (
      await pool.query<{ n: number | null }>(
        "select sum(next_offset)::bigint as n from consumer_checkpoints where consumer = $1",
        [group],
      )
    ).rows[0]?.n ?? 0;
  let firstProgressAt = 0;
  let peakRss = 0;
  let lastShown = -1;
  let meter: ReturnType<typeof startCpuMeter> | undefined;
  // Whatever goes wrong below, the worker does not outlive the bench.
  const killWorker = () => worker.kill("SIGKILL");
  process.once("exit", killWorker);
  await waitFor(
    "the worker to consume every click",
    async () => {
      const n = await offsets();
      if (n > 0 && firstProgressAt === 0) {
        firstProgressAt = Date.now();
        meter = startCpuMeter(serviceClassifier({ worker: worker.pid, bench: process.pid }));
      }
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${worker.pid}/status`, "utf8"));
        if (hwm) peakRss = Math.max(peakRss, Number(hwm[1]) * 1024);
      } catch {
        // process gone
      }
      if (n !== lastShown) process.stdout.write(`\r  consumed ${fmt(n)} / ${fmt(opts.events)}   `);
      lastShown = n;
      return n >= opts.events;
    },
    { timeoutMs: 30 * 60_000, intervalMs: 200 },
  );
  const done = Date.now();
  await waitFor(
    "Redis to catch up (outbox drained)",
    async () => (await pool.query<{ n: number }>("select count(*)::int as n from redis_outbox")).rows[0]?.n === 0,
    { timeoutMs: 10 * 60_000, intervalMs: 200 },
  );
  const redisDone = Date.now();
  const cpu = meter?.stop() ?? new Map<string, number>();
  const redisMem = Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1] ?? 0);
  // Time Redis spent running the apply script (its own clock), since the run's CONFIG RESETSTAT.
  const evalUsec = Number(/cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(await redis.info("commandstats"))?.[1] ?? 0);
  worker.kill("SIGTERM");
  await new Promise((r) => worker.on("exit", r));
  process.off("exit", killWorker);
  const steadyS = (done - firstProgressAt) / 1000;
  const rollups = (await pool.query<{ n: number }>("select count(*)::bigint as n from click_rollups")).rows[0]?.n ?? 0;
  return {
    intoPostgres: opts.events / steadyS,
    endToEnd: opts.events / ((redisDone - firstProgressAt) / 1000),
    steadyS,
    totalS: (done - spawned) / 1000,
    redisLagS: (redisDone - done) / 1000,
    checkpointMs,
    cells,
    rollups: Number(rollups),
    peakRss,
    redisMem,
    redisApplyS: evalUsec / 1e6,
    cpu,
    peakMemory,
  };
}

function printRun(run: number, r: RunResult): void {
  const sorted = [...r.checkpointMs].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const wallS = r.steadyS + r.redisLagS;
  const services = ["worker", "redis", "postgres", "kafka", "bench"];
  const cpuLine = services
    .map((s) => {
      const sec = r.cpu.get(s) ?? 0;
      return `${s} ${((sec / opts.events) * 1e6).toFixed(1)} µs (${Math.round((sec / wallS) * 100)} %)`;
    })
    .join(", ");
  const machine = [...r.cpu.values()].reduce((a, b) => a + b, 0);
  console.log(`\n
aggregator benchmark, run ${run} (${fmt(opts.events)} clicks, ${fmt(opts.ads)} ads, ${opts.partitions} partitions, checkpoint every ${opts.checkpointMs} ms)
  throughput          ${fmt(r.intoPostgres)} events/s into Postgres (first checkpoint to last: ${r.steadyS.toFixed(1)} s; ${r.totalS.toFixed(1)} s with start-up)
  Redis caught up     ${r.redisLagS.toFixed(1)} s after the last checkpoint (${fmt(r.endToEnd)} events/s end to end, live windows included)
  checkpoints         ${sorted.length}, p50 ${pct(50).toFixed(0)} ms, p99 ${pct(99).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms
  cells               ${fmt(r.cells)} upserted (${(r.cells / opts.events).toFixed(2)} per click), ${fmt(r.rollups)} rollup rows (ad, minute, country)
  CPU per click       ${cpuLine}
                      machine ${((machine / opts.events) * 1e6).toFixed(1)} µs per click, ${(machine / wallS).toFixed(2)} of ${cpus().length} cores busy
  worker peak RSS     ${(r.peakRss / 1024 / 1024).toFixed(0)} MB${
    r.peakMemory
      ? ` (at the largest checkpoint-time RSS, ${r.peakMemory.rss} MB: V8 heap ${r.peakMemory.heap} of ${r.peakMemory.heapTotal} MB, off-heap ${r.peakMemory.external} MB of which array buffers ${r.peakMemory.buffers} MB)`
      : ""
  }
  Redis used memory   ${(r.redisMem / 1024 / 1024).toFixed(0)} MB
  Redis applying      ${r.redisApplyS.toFixed(1)} s in the apply script (${((r.redisApplyS / r.cells) * 1e6).toFixed(1)} µs per upserted cell)`);
}

try {
  // 1. Fill the topic.
  const factory = new ClickFactory(createRng(1), {
    ...DEFAULT_TRAFFIC,
    adCount: opts.ads,
    duplicateRatio: 0,
    lateRatio: 0,
    malformedRatio: 0,
    burstShare: 0,
  });
  const spanMs = (opts.events / opts.perMinute) * MINUTE_MS;
  const start = Date.now() - spanMs - 2 * MINUTE_MS;
  const producer = env.kafka.producer({ idempotent: false, maxInFlightRequests: 8, allowAutoTopicCreation: false });
  await producer.connect();
  const t0 = Date.now();
  const batch = 20_000;
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < opts.events; i += batch) {
    const messages: { key: string; value: string }[] = [];
    for (let j = i; j < Math.min(i + batch, opts.events); j++) {
      const e = factory.next(start + Math.floor((j / opts.events) * spanMs));
      messages.push({ key: e.key, value: e.line });
    }
    inflight.push(producer.send({ topic: env.topics.clicks, acks: 1, compression: CompressionTypes.LZ4, messages }));
    if (inflight.length >= 4) await inflight.shift();
    if ((i / batch) % 25 === 0) process.stdout.write(`\r  produced ${fmt(i)} / ${fmt(opts.events)}`);
  }
  await Promise.all(inflight);
  await producer.disconnect();
  const produceS = (Date.now() - t0) / 1000;
  console.log(
    `\r  produced ${fmt(opts.events)} clicks in ${produceS.toFixed(1)} s (${fmt(opts.events / produceS)}/s, lz4)`,
  );

  // 2. Time one worker consuming to the end, `--runs` times over the same topic (each run from
  // an empty database and Redis, in a consumer group of its own).
  console.log(`  ${yardstickLine(factory.next(start).line).line}`);
  const results: RunResult[] = [];
  for (let run = 1; run <= opts.runs; run++) {
    if (run > 1) {
      await pool.query(`truncate ${AGGREGATOR_TABLES.join(", ")}`);
      await redis.flushall();
    }
    const r = await timeWorker(`agg-${env.id}-${run}`);
    results.push(r);
    printRun(run, r);
  }
  if (results.length > 1) {
    const median = (f: (r: RunResult) => number) =>
      results.map(f).sort((a, b) => a - b)[(results.length - 1) >> 1] ?? 0;
    console.log(
      `\nmedian of ${results.length} runs: ${fmt(median((r) => r.intoPostgres))} events/s into Postgres, ${fmt(median((r) => r.endToEnd))} end to end`,
    );
  }
} finally {
  redis.disconnect();
  await pool.end();
  await env.cleanup();
  await redisServer.stop();
}
