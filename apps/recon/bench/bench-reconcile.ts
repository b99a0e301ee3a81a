// `npm run bench:reconcile`: recounts N clicks of book-scale traffic (600k clicks a minute of
// event time, Zipf over 2M ads, the generator's duplicates, late and malformed events) from a
// fresh ad-clicks topic, as reconciliation reads it (its own consumer, RangeRecount over every
// record), then the same records again from memory through the recount and through the live
// operator alone, in the same process. Last, the recount again while the live aggregator (the
// real worker, as `npm start` runs it, into Postgres and Redis) consumes the same records on the
// same machine: the recount keeps up when it reads them at least as fast as the live path counts
// them. Then a reconciliation, as the scheduled one runs, of what that aggregator wrote. Prints
// events/s of each, memory, and the machine's yardstick.
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { WORKER_ENV, WORKER_NODE_FLAGS } from "@adclicks/aggregator/runtime";
import { ClickAggregator, MINUTE_MS, minuteOf, RangeRecount } from "@adclicks/core";
import { createPool } from "@adclicks/db";
import { ClickFactory, createRng, DEFAULT_TRAFFIC } from "@adclicks/generator";
import { CompressionTypes, offsetsAtTime, readSpans } from "@adclicks/kafka";
import { recountRange } from "@adclicks/recon";
import { createTestEnv, waitFor } from "@adclicks/test-utils";
import { z } from "zod";

const flags = z
  .object({
    events: z.coerce.number().int().min(10_000, "--events must be at least 10000").default(1_200_000),
    ads: z.coerce.number().int().min(1, "--ads must be positive").default(2_000_000),
    partitions: z.coerce.number().int().min(1).max(64, "--partitions must be at most 64").default(12),
    "per-minute": z.coerce.number().int().min(1_000).default(600_000),
    "skip-memory": z.boolean().default(false),
  })
  .strict();
const { values } = parseArgs({
  options: {
    events: { type: "string" },
    ads: { type: "string" },
    partitions: { type: "string" },
    "per-minute": { type: "string" },
    // Phase 2 keeps every record in memory: too much for an hour of book-scale traffic.
    "skip-memory": { type: "boolean" },
  },
});
const parsed = flags.safeParse(values);
if (!parsed.success) {
  console.error(parsed.error.issues.map((i) => `${i.path.join(".") || "flags"}: ${i.message}`).join("\n"));
  process.exit(2);
}
const opts = parsed.data;
const perMinute = opts["per-minute"];
const inMemoryPhase = !opts["skip-memory"];
const AGGREGATOR_MAIN = fileURLToPath(new URL("../../aggregator/src/main.ts", import.meta.url));
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

/** Heap and array buffers in use after a full collection (the script runs with --expose-gc). */
function heapAfterGc(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Clicks JSON.parse reads per second on one core: the yardstick bench:aggregator prints too. */
function parseRate(line: string): number {
  const count = 1_000_000;
  const round = () => {
    const t0 = process.hrtime.bigint();
    let sink = 0;
    for (let i = 0; i < count; i++) sink += (JSON.parse(line) as { ad_id: string }).ad_id.length;
    if (sink === 0) throw new Error("no ad_id in the sample click");
    return count / seconds(t0);
  };
  round(); // warm-up
  return round();
}

const env = await createTestEnv("benchrecon", { partitions: opts.partitions });
try {
  // Event time: the last whole minutes before now, at the book's rate (the recount's range).
  const spanMs = Math.ceil((opts.events / perMinute) * MINUTE_MS);
  const startMs = minuteOf(Date.now() - spanMs - MINUTE_MS);
  const range = { fromMs: startMs, toMs: minuteOf(startMs + spanMs + 2 * MINUTE_MS) };
  const factory = new ClickFactory(createRng(42), {
    ...DEFAULT_TRAFFIC,
    adCount: opts.ads,
    duplicateRatio: 0.02,
    lateRatio: 0.01,
    malformedRatio: 0.01,
    lateMinMs: 20_000,
    lateMaxMs: 60_000,
  });
  const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const t0 = process.hrtime.bigint();
  let sample = "";
  for (let i = 0; i < opts.events; ) {
    const batch: { key: string; value: string }[] = [];
    for (let j = 0; j < 20_000 && i < opts.events; j++, i++) {
      const e = factory.next(startMs + Math.floor((i / opts.events) * spanMs));
      if (e.kind === "valid" && !sample) sample = e.line;
      batch.push({ key: e.key, value: e.line });
    }
    await producer.send({ topic: env.topics.clicks, acks: -1, compression: CompressionTypes.LZ4, messages: batch });
  }
  await producer.disconnect();
  console.error(`produced ${fmt(opts.events)} clicks in ${seconds(t0).toFixed(1)} s`);

  // 1. From Kafka, as a reconciliation reads it.
  const admin = env.kafka.admin();
  await admin.connect();
  const starts = await offsetsAtTime(admin, env.topics.clicks, 0);
  const ends = await admin.fetchTopicOffsets(env.topics.clicks);
  await admin.disconnect();
  const spans = ends.map((e) => ({
    partition: e.partition,
    from: starts.get(e.partition)?.offset ?? 0,
    to: Number(e.high),
  }));
  /** One recount of every span from Kafka, as reconciliation reads it; `keep` sees each record. */
  const recountFromKafka = async (keep?: (p: number, offset: number, timeMs: number, value: Buffer | null) => void) => {
    const rc = new RangeRecount(range, {});
    for (const s of spans) rc.startPartition(s.partition);
    const t0 = process.hrtime.bigint();
    await readSpans(env.kafka, env.topics.clicks, spans, (p, records) => {
      for (const r of records) {
        rc.feed(p, r.offset, r.value, r.timestampMs);
        keep?.(p, r.offset, r.timestampMs, r.value);
      }
    });
    return { rc, s: seconds(t0) };
  };

  // Phases 1 and 2 in a function: what they hold is garbage before phase 3 measures its memory.
  const alone = async () => {
    const kept = new Map(
      spans.map((s) => [
        s.partition,
        { offsets: [] as number[], times: [] as number[], values: [] as (Buffer | null)[] },
      ]),
    );
    const { rc: fromKafka, s: kafkaS } = await recountFromKafka(
      inMemoryPhase
        ? (p, offset, timeMs, value) => {
            const k = kept.get(p)!;
            k.offsets.push(offset);
            k.times.push(timeMs);
            k.values.push(value);
          }
        : undefined,
    );
    const cells = fromKafka.result().size;
    const stats = fromKafka.summary();
    if (!inMemoryPhase) return { kafkaS, cells, stats };

    // 2. The same records from memory: the recount's own cost, then the live operator's alone.
    const inMemory = new RangeRecount(range, {});
    const t2 = process.hrtime.bigint();
    for (const [p, k] of kept) {
      inMemory.startPartition(p);
      for (let i = 0; i < k.offsets.length; i++) inMemory.feed(p, k.offsets[i]!, k.values[i]!, k.times[i]!);
    }
    const memory = inMemory.result();
    const memoryS = seconds(t2);
    if (memory.size !== cells) throw new Error(`the two recounts differ: ${memory.size} cells against ${cells}`);

    const live = new ClickAggregator({});
    const t3 = process.hrtime.bigint();
    let sinceCheckpoint = 0;
    for (const [p, k] of kept) {
      live.assign(p, undefined, k.times[0] ?? 0);
      for (let i = 0; i < k.offsets.length; i++) {
        live.process(p, k.offsets[i]!, k.values[i]!, k.times[i]!, k.times[i]!);
        // The worker plans a checkpoint every second: 10,000 clicks at the book's rate.
        if (++sinceCheckpoint === 10_000) {
          sinceCheckpoint = 0;
          live.committed(live.plan(k.times[i]!));
        }
      }
    }
    live.committed(live.plan(Date.now()));
    return { kafkaS, cells, stats, memoryS, liveS: seconds(t3) };
  };
  const { kafkaS, cells, stats, memoryS, liveS } = await alone();

  // 3. The recount from Kafka again, while the live aggregator consumes the same records.
  const pool = createPool(env.databaseUrl, 1);
  const consumed = async () =>
    Number(
      (await pool.query<{ n: number | null }>("select sum(next_offset)::bigint as n from consumer_checkpoints")).rows[0]
        ?.n ?? 0,
    );
  const worker = spawn(process.execPath, [...WORKER_NODE_FLAGS, "--import", "tsx", AGGREGATOR_MAIN], {
    env: env.childEnv({ ...WORKER_ENV, AGGREGATOR_GROUP: "bench-live", METRICS_PORT: "0", LOG_LEVEL: "warn" }),
    stdio: ["ignore", "inherit", "inherit"],
  });
  const killWorker = () => worker.kill("SIGKILL");
  process.once("exit", killWorker);
  // The recount starts once the worker counts (its start-up and group join are not the race).
  await waitFor("the live aggregator's first checkpoint", async () => (await consumed()) > 0, {
    timeoutMs: 120_000,
    intervalMs: 100,
  });
  const liveStartedMs = Date.now();
  const liveAtStart = await consumed();
  const recountBeside = async () => {
    const heapBefore = heapAfterGc();
    const { rc: beside, s: besideS } = await recountFromKafka();
    const besideCells = beside.result().size;
    // What one recount holds: its operator (dedup ids) and the range's cells.
    return { besideS, besideCells, recountBytes: heapAfterGc() - heapBefore };
  };
  const { besideS, besideCells, recountBytes } = await recountBeside();
  const liveDuring = ((await consumed()) - liveAtStart) / besideS;
  if (besideCells !== cells)
    throw new Error(`the recount beside the aggregator found ${besideCells} cells, not ${cells}`);
  await waitFor("the live aggregator to consume every click", async () => (await consumed()) >= opts.events, {
    timeoutMs: 30 * 60_000,
    intervalMs: 200,
  });
  const liveRate = (opts.events - liveAtStart) / ((Date.now() - liveStartedMs) / 1000);
  worker.kill("SIGTERM");
  await new Promise((r) => worker.once("exit", r));
  process.off("exit", killWorker);

  // 4. A reconciliation as the scheduled one runs it (snapshot, recount, diff) of what the live
  // aggregator wrote: a clean pipeline has no mismatch.
  const reconPool = createPool(env.databaseUrl, 2);
  const reconAdmin = env.kafka.admin();
  await reconAdmin.connect();
  const memBefore = heapAfterGc();
  let memPeak = memBefore;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    memPeak = Math.max(memPeak, m.heapUsed + m.arrayBuffers);
  }, 50);
  const t5 = process.hrtime.bigint();
  const recon = await recountRange(
    {
      pool: reconPool,
      kafka: env.kafka,
      admin: reconAdmin,
      topic: env.topics.clicks,
      group: "bench-live",
      operator: {},
    },
    range,
  );
  const reconS = seconds(t5);
  clearInterval(sampler);
  const reconMismatches = recon.mismatches.length;
  await reconAdmin.disconnect();
  await reconPool.end();
  await pool.end();

  const yardstick = parseRate(sample);
  const n = stats.records;
  console.log(
    [
      `recount of ${fmt(n)} clicks (${(n / perMinute).toFixed(1)} min of book-scale traffic, ${fmt(opts.ads)} ads, ${opts.partitions} partitions); an hour is ${fmt(60 * perMinute)}`,
      `  decisions: ${JSON.stringify(stats)}; ${fmt(cells)} cells in the range`,
      `  from Kafka (reconciliation as it runs):  ${fmt(n / kafkaS)} events/s (${kafkaS.toFixed(1)} s; an hour would take ${fmt((60 * perMinute) / (n / kafkaS) / 60)} min)`,
      memoryS === undefined || liveS === undefined
        ? "  from memory: skipped (--skip-memory)"
        : `  from memory, recount:                    ${fmt(n / memoryS)} events/s\n  from memory, live operator alone:        ${fmt(n / liveS)} events/s`,
      `  beside the live aggregator (same records, same machine):`,
      `    recount from Kafka                      ${fmt(n / besideS)} events/s (${besideS.toFixed(1)} s)`,
      `    live aggregator, during the recount     ${fmt(liveDuring)} events/s into Postgres`,
      `    live aggregator, start to last click    ${fmt(liveRate)} events/s into Postgres`,
      `    keeps up (recount ≥ live):              ${n / besideS >= liveRate ? "yes" : "NO"}`,
      `  a reconciliation of the live aggregator's rollups (snapshot, recount, diff): ${reconS.toFixed(1)} s, ${fmt(recon.cells)} cells, ${reconMismatches} mismatches (a clean pipeline has none); memory peak ${fmt((memPeak - memBefore) / 1048576)} MB above its start`,
      `  one recount's memory: ${fmt(recountBytes / 1048576)} MB for ${fmt(cells)} cells and ${fmt(n)} records (an hour of book-scale traffic: about ${(((recountBytes / n) * 60 * perMinute) / 1073741824).toFixed(1)} GB at the same cells per click)`,
      `  yardstick: JSON.parse of a click ${fmt(yardstick)}/s on one core; ${cpus().length} cores, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    ].join("\n"),
  );
  if (reconMismatches > 0) {
    console.error("the reconciliation of a clean pipeline found mismatches, first ones:", recon.mismatches.slice(0, 5));
    process.exitCode = 1;
  }
} finally {
  await env.cleanup();
}
process.exit();
