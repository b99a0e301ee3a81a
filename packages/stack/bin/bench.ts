// `npm run bench`: the whole system end to end on private Kafka, Postgres and Redis (under
// .data/bench). Generators send clicks over HTTP to the collector in batches, as ad servers
// would, and one more writes log files the shipper tails; the book's traffic shape (Zipf over
// 2M ads, ~20 countries, duplicates, late, malformed). A ramp raises the offered rate step by
// step until freshness p99 passes 5 s or the collector answers 503. Measures freshness (probe
// clicks from the collector's 202 until the REST API counts them), peak consumer lag, CPU and
// RSS per process, Redis memory, Postgres bytes per million clicks, and compares the ground
// truth with the API at the end. Then (--recalc 1) freshness at the first rate without and during
// a recalculation of the minutes so far, which the final comparison also covers. Prints a table;
// JSON and a CPU profile summary go to results/.
import { spawn } from "node:child_process";
import { mkdirSync, openSync, readdirSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createPool } from "@adclicks/db";
import { ClickFactory, createRng, DEFAULT_TRAFFIC, GroundTruth } from "@adclicks/generator";
import { createKafka, topicNames } from "@adclicks/kafka";
import { createRedis } from "@adclicks/live";
import { exited, REPO_ROOT, waitFor, yardstickLine } from "@adclicks/test-utils";
import { z } from "zod";
import { type BenchResult, passed, printReport, type RecalcResult, type Step, writeResults } from "../src/bench-report";
import { readCollectorCounters } from "../src/collector-counters";
import { type Comparison, compareCells } from "../src/compare";
import { summarizeCpuProfile } from "../src/cpu-profile";
import { type Prober, percentile, startProber } from "../src/freshness";
import { startGenerator } from "../src/generator-run";
import { type AppName, startPipeline } from "../src/pipeline";
import { startPrivateInfra } from "../src/private-infra";
import { startProcessMeter } from "../src/proc-meter";
import { startRecalc } from "../src/recalc-run";

const APPS = ["aggregator", "collector", "archiver", "api"] as const satisfies readonly AppName[];
const flags = z.strictObject({
  steps: z
    .string()
    .default("5000,10000,20000,35000,50000,70000")
    .transform((s) => s.split(",").map(Number))
    .refine((a) => a.every((n) => Number.isInteger(n) && n > 0), "--steps: comma-separated rates, e.g. 5000,10000"),
  "step-s": z.coerce.number().int().min(10, "--step-s must be at least 10").max(300).default(30),
  "warmup-s": z.coerce.number().int().min(0).max(120).default(15),
  ads: z.coerce.number().int().min(1).default(2_000_000),
  "file-rate": z.coerce.number().int().min(0).default(1_000),
  "per-generator": z.coerce.number().int().min(1_000).default(25_000),
  profile: z.enum(APPS).default("aggregator"),
  partitions: z.coerce.number().int().min(1).max(64).default(12),
  /** 1: after the ramp, freshness at the first rate without and then during a recalculation. */
  recalc: z.enum(["0", "1"], { error: "--recalc must be 0 or 1" }).default("1"),
});
const { values } = parseArgs({
  options: Object.fromEntries(Object.keys(flags.shape).map((k) => [k, { type: "string" }])),
});
const parsed = flags.safeParse(values);
if (!parsed.success) {
  console.error(parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n"));
  process.exit(2);
}
const opts = parsed.data;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const started = Date.now();
const log = (m: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}`);

const sample = new ClickFactory(createRng(1), { ...DEFAULT_TRAFFIC, adCount: opts.ads }).next(Date.now());
const yardstick = yardstickLine(sample.line);
console.log(yardstick.line);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} on ${cpus().length} cores (the machine is shared)`,
);

const dir = join(REPO_ROOT, ".data/bench");
const profDir = join(dir, "profile");
rmSync(dir, { recursive: true, force: true });
mkdirSync(profDir, { recursive: true });
log(`private Kafka, Postgres and Redis under ${dir}`);
const infra = await startPrivateInfra(dir);
const pipeline = await startPipeline(
  { kafkaBrokers: infra.kafka.brokers, postgresUrl: infra.postgres.url, redisUrl: infra.redis.url },
  {
    label: "bench",
    logDir: dir,
    partitions: opts.partitions,
    nodeFlags: { [opts.profile]: ["--cpu-prof", `--cpu-prof-dir=${profDir}`] },
  },
);
log(`pipeline up (${opts.partitions} partitions); profiling the ${opts.profile}`);
const api = { apiUrl: pipeline.apiUrl, apiKey: pipeline.apiKey };
const pool = createPool(pipeline.databaseUrl, 2);
const dbBytes = async () =>
  Number((await pool.query<{ n: string }>("select pg_database_size(current_database()) as n")).rows[0]!.n);
const bytesAtStart = await dbBytes();

// What runs, by group, for the CPU and RSS table.
const generatorPids = new Map<number, string>();
let shipperPid: number | undefined;
const meter = startProcessMeter(() => {
  const m = new Map<number, string>(generatorPids);
  for (const [name, list] of pipeline.apps) for (const s of list) if (s.pid) m.set(s.pid, name);
  if (shipperPid) m.set(shipperPid, "shipper");
  if (infra.kafka.pid) m.set(infra.kafka.pid, "kafka");
  if (infra.redis.pid) m.set(infra.redis.pid, "redis");
  const pg = infra.postgres.pid;
  if (pg) m.set(pg, "postgres");
  m.set(process.pid, "bench (probes, supervisors)");
  return m;
});

// Consumer lag: the clicks topic's end offsets minus the aggregator's checkpointed positions.
const kafka = createKafka(infra.kafka.brokers, "bench-lag");
const admin = kafka.admin();
await admin.connect();
const clicksTopic = topicNames(pipeline.topicSuffix).clicks;
const lag = async () => {
  const ends = await admin.fetchTopicOffsets(clicksTopic);
  const end = ends.reduce((a, p) => a + Number(p.high), 0);
  const { rows } = await pool.query<{ n: string | null }>(
    "select sum(next_offset)::bigint as n from consumer_checkpoints where consumer = 'aggregator'",
  );
  return { end, lag: end - Number(rows[0]?.n ?? 0) };
};
let peakLag = 0;
let stepPeakLag = 0;
const lagTimer = setInterval(() => {
  lag().then(
    (l) => {
      peakLag = Math.max(peakLag, l.lag);
      stepPeakLag = Math.max(stepPeakLag, l.lag);
    },
    (err: unknown) => log(`lag: ${(err as Error).message}`),
  );
}, 1_000);

const collectorCounters = () => readCollectorCounters(pipeline.env.COLLECTOR_METRICS_PORT!);

// The second source: a generator writing log files, the shipper tailing them.
const truth = new GroundTruth();
const logFile = join(dir, "clicks.ndjson");
const fileGen =
  opts["file-rate"] > 0
    ? startGenerator("http://unused", dir, "file", {
        rate: opts["file-rate"],
        ads: opts.ads,
        seed: "bench-file",
        batch: 200,
        extra: [
          "--target",
          "file",
          "--file",
          logFile,
          "--rotate-bytes",
          String(64 * 1024 * 1024),
          "--duration",
          "3600",
        ],
      })
    : undefined;
if (fileGen?.proc.pid) generatorPids.set(fileGen.proc.pid, "generator (file)");
const shipper = fileGen
  ? spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(REPO_ROOT, "apps/shipper/src/main.ts"),
        "--state",
        join(dir, "shipper-state.json"),
        "--workers",
        "1",
        `${logFile}*`,
      ],
      { cwd: REPO_ROOT, env: pipeline.env, stdio: ["ignore", openSync(join(dir, "shipper.log"), "a"), "inherit"] },
    )
  : undefined;
shipperPid = shipper?.pid;

const steps: Step[] = [];
const generatorsFor = (rate: number) => Math.ceil(rate / opts["per-generator"]);
const probeEvery = (rate: number) => Math.max(200, Math.round(1_000_000 / rate));
// A warm-up at the first rate, not judged: JIT, connections, the first checkpoints and minutes.
if (opts["warmup-s"] > 0) {
  log(`warm-up: ${opts["warmup-s"]} s at ${fmt(opts.steps[0]!)} clicks/s (not measured)`);
  const warm = startGenerator(pipeline.collectorUrl, dir, "warmup", {
    rate: opts.steps[0]!,
    ads: opts.ads,
    seed: "bench-warmup",
    batch: 500,
    concurrency: 8,
    extra: ["--duration", String(opts["warmup-s"]), "--late-max-s", "60"],
  });
  if (warm.proc.pid) generatorPids.set(warm.proc.pid, "generator 1");
  truth.merge(await warm.done());
}
const probers: Prober[] = [];
meter.take();

/** One step: `rate` clicks/s offered for --step-s, probed from start to end. */
async function runStep(rate: number, tag: string): Promise<Step> {
  const n = generatorsFor(rate);
  const prober = startProber(pipeline.collectorUrl, api, { everyMs: probeEvery(rate), tag });
  probers.push(prober);
  const before = await collectorCounters();
  stepPeakLag = 0;
  const gens = Array.from({ length: n }, (_, g) =>
    startGenerator(pipeline.collectorUrl, dir, `${tag}-${g + 1}`, {
      rate: rate / n,
      ads: opts.ads,
      seed: `bench-${tag}-${g}`,
      batch: 500,
      concurrency: 8,
      extra: ["--duration", String(opts["step-s"]), "--late-max-s", "60"],
    }),
  );
  for (const [g, gen] of gens.entries()) if (gen.proc.pid) generatorPids.set(gen.proc.pid, `generator ${g + 1}`);
  // The accepted rate over the seconds the collector was taking this step's traffic (the
  // generators' start-up, a few seconds on a loaded machine, is not part of the step).
  const samples: { at: number; accepted: number }[] = [];
  const sampler = setInterval(() => {
    collectorCounters().then(
      (c) => samples.push({ at: Date.now(), accepted: c.accepted }),
      (err: unknown) => log(`collector metrics: ${(err as Error).message}`),
    );
  }, 1_000);
  for (const gen of gens) truth.merge(await gen.done());
  clearInterval(sampler);
  const after = await collectorCounters();
  const moving = samples.filter((x, k) => k > 0 && x.accepted > samples[k - 1]!.accepted + rate * 0.05);
  const firstMoving = moving[0] ? samples[samples.indexOf(moving[0]) - 1]! : undefined;
  const lastMoving = moving.at(-1);
  const achieved =
    firstMoving && lastMoving && lastMoving.at > firstMoving.at
      ? (lastMoving.accepted - firstMoving.accepted) / ((lastMoving.at - firstMoving.at) / 1000)
      : 0;
  const results = await prober.drain();
  await prober.stop();
  const fresh = results.map((r) => r.freshMs);
  const step: Step = {
    offered: rate,
    achieved,
    acceptedInStep: after.accepted - before.accepted,
    probes: fresh.length,
    timedOut: fresh.filter((f) => f === undefined).length,
    p50: percentile(fresh, 50),
    p99: percentile(fresh, 99),
    max: percentile(fresh, 100),
    status503: after.status503 - before.status503 + (prober.refusals.get(503) ?? 0),
    peakLag: stepPeakLag,
    cpu: Object.fromEntries(meter.take()),
    held: false,
  };
  step.held = step.probes > 0 && step.p99 <= 5_000 && step.status503 === 0;
  log(
    `  accepted ${fmt(step.achieved)}/s, freshness p50 ${fmt(step.p50)} ms p99 ${fmt(step.p99)} ms max ${fmt(step.max)} ms (${step.probes} probes), 503s ${step.status503}, peak lag ${fmt(step.peakLag)}`,
  );
  return step;
}

for (const [i, rate] of opts.steps.entries()) {
  const n = generatorsFor(rate);
  log(`step ${i + 1}/${opts.steps.length}: offering ${fmt(rate)} clicks/s (${n} generator${n > 1 ? "s" : ""})`);
  const step = await runStep(rate, `s${i + 1}`);
  steps.push(step);
  if (!step.held) {
    log(`  not held (${step.status503 > 0 ? "the collector answered 503" : "freshness p99 over 5 s"}): the ramp stops`);
    break;
  }
}

// Freshness while a recalculation runs (the bound: within 2× its value without one): one step at
// the first rate without, then one with `npm run recalc` of the minutes the traffic has filled
// so far (up to the last closed minute), started as the step starts.
async function measureRecalc(): Promise<RecalcResult | undefined> {
  const rate = opts.steps[0]!;
  log(`recalculation: a step at ${fmt(rate)} clicks/s without one, then one with one`);
  // A step may leave a backlog (the ramp's last one does): both start from a drained pipeline.
  const drain = () =>
    waitFor("the backlog to drain", async () => (await lag()).lag < rate, {
      timeoutMs: 120_000,
      intervalMs: 1_000,
    }).catch((err: unknown) => log((err as Error).message));
  await drain();
  const without = await runStep(rate, "r0");
  await drain();
  const toMs = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const fromMs = Math.floor(started / 60_000) * 60_000;
  if (toMs <= fromMs) {
    log("  no recalculation: the traffic has not filled a closed minute yet (longer or more steps)");
    return undefined;
  }
  const t0 = Date.now();
  const run = startRecalc(pipeline.env, { fromMs, toMs }, join(dir, "recalc.log"));
  if (run.pid) generatorPids.set(run.pid, "recalc");
  log(`  recalculating ${new Date(fromMs).toISOString()} … ${new Date(toMs).toISOString()} (log: ${dir}/recalc.log)`);
  const during = await runStep(rate, "r1");
  const stepS = (Date.now() - t0) / 1000;
  const end = await run.done;
  log(
    `  recalculation exited ${end.code} after ${end.seconds.toFixed(1)} s (the step: ${stepS.toFixed(1)} s); freshness p99 ${fmt(without.p99)} ms without, ${fmt(during.p99)} ms during`,
  );
  return { rate, fromMs, toMs, without, during, exitCode: end.code, recalcS: end.seconds, stepS };
}
const recalc = opts.recalc === "1" ? await measureRecalc() : undefined;
const probesAccepted = probers.reduce((a, p) => a + p.accepted, 0);

// The end: every source stopped, the pipeline drained, the counts compared.
if (fileGen) truth.merge(await fileGen.finish());
log(`traffic stopped: ${fmt(truth.clicks)} valid distinct clicks in the truth (+${probesAccepted} probes); draining`);
const rollupTotal = async () =>
  Number(
    (await pool.query<{ n: string | null }>("select sum(clicks)::bigint as n from click_rollups")).rows[0]!.n ?? 0,
  );
const drainStart = Date.now();
let drained = true;
await waitFor("the rollups to hold every click", async () => (await rollupTotal()) >= truth.clicks + probesAccepted, {
  timeoutMs: 180_000,
  intervalMs: 1_000,
}).catch((err: unknown) => {
  drained = false;
  log((err as Error).message);
});
const drainS = (Date.now() - drainStart) / 1000;
const inRollups = await rollupTotal();
// Every (ad, minute, country) of the 100 hottest ads and 100 others from the truth, through REST.
const perAd = [...truth.perAd()].sort((a, b) => b[1] - a[1]);
const rng = createRng("bench-sample");
const sampled = new Set(perAd.slice(0, 100).map(([a]) => a));
while (sampled.size < Math.min(perAd.length, 200)) sampled.add(perAd[rng.int(perAd.length)]![0]);
let comparison: Comparison | undefined;
await waitFor(
  "the sampled ads exact through the API",
  async () => {
    comparison = await compareCells(api, truth, [...sampled]);
    return comparison.lost === 0 && comparison.doubleCounted === 0;
  },
  { timeoutMs: 60_000, intervalMs: 2_000 },
).catch(() => {});
const redis = createRedis(infra.redis.url);
const redisBytes = Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1] ?? 0);
redis.disconnect();
const pgBytes = (await dbBytes()) - bytesAtStart;
clearInterval(lagTimer);
const usage = meter.usage();
meter.stop();
await admin.disconnect();
await pool.end();
shipper?.kill("SIGTERM");
if (shipper) await exited(shipper);
await pipeline.destroy().catch((err: unknown) => log(`stopping the pipeline: ${(err as Error).message}`));
await infra.stop();

// Report.
const profiles = readdirSync(profDir)
  .filter((f) => f.endsWith(".cpuprofile"))
  .map((f) => join(profDir, f))
  .sort((a, b) => statSync(b).size - statSync(a).size);
const result: BenchResult = {
  started,
  endedAt: Date.now(),
  opts,
  yardstick,
  steps,
  peakLag,
  drained,
  drainS,
  inRollups,
  truthClicks: truth.clicks,
  probesAccepted,
  sampledAds: sampled.size,
  comparison,
  recalc,
  redisBytes,
  pgBytes,
  usage,
  profile: profiles[0] ? summarizeCpuProfile(profiles[0]) : undefined,
};
printReport(result);
console.log(`\n  results: ${writeResults(result)}`);
process.exit(passed(result) ? 0 : 1);
