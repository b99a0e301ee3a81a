// The traffic generator CLI: flags, the event factory, pacing, a target, a progress line, and
// the ground truth written at exit (SIGINT/SIGTERM finish the batches in flight first).
import { randomBytes } from "node:crypto";
import { rename, writeFile } from "node:fs/promises";
import { createLogger } from "@adclicks/config/logger";
import { parseGeneratorArgs } from "./args";
import { env } from "./env";
import { ClickFactory, DEFAULT_TRAFFIC } from "./events";
import { GroundTruth } from "./ground-truth";
import { Pacer } from "./pacer";
import { createRng } from "./prng";
import { progressLine } from "./progress";
import { fileTarget, httpTarget, kafkaTarget, type Target } from "./targets";

const parsed = parseGeneratorArgs(process.argv.slice(2));
if (!parsed.ok) {
  (parsed.help ? console.log : console.error)(parsed.message);
  process.exit(parsed.help ? 0 : 2);
}
const args = parsed.args;
const logger = createLogger("generator", env.LOG_LEVEL);
let stopping = false;

const seed = args.seed ?? randomBytes(4).toString("hex");
const factory = new ClickFactory(createRng(seed), {
  ...DEFAULT_TRAFFIC,
  adIds: args.adIds,
  adCount: args.ads,
  unknownAdIds: Array.from({ length: args.unknownAds }, (_, i) => `ad-unknown-${i + 1}`),
  zipfExponent: args.zipf,
  users: args.users,
  duplicateRatio: args.duplicates,
  lateRatio: args.late,
  malformedRatio: args.malformed,
  lateMinMs: args.lateMinS * 1000,
  lateMaxMs: args.lateMaxS * 1000,
  burstShare: args.burstShare,
  burstEveryMs: args.burstEveryS * 1000,
  burstDurationMs: args.burstDurationS * 1000,
});
const url = args.url ?? `http://localhost:${env.COLLECTOR_PORT}/v1/clicks`;
const target: Target =
  args.target === "http"
    ? httpTarget(url, args.format, () => stopping, env.GENERATOR_INGEST_KEY)
    : args.target === "file"
      ? await fileTarget(args.file!, args.rotateBytes)
      : await kafkaTarget(env.KAFKA_BROKERS, env.KAFKA_TOPIC_SUFFIX);
logger.info(
  { target: args.target, url: args.target === "http" ? url : undefined, seed, rate: args.rate },
  "generating",
);
if (args.target === "http" && !env.GENERATOR_INGEST_KEY)
  logger.warn(
    "GENERATOR_INGEST_KEY is not set: sending without a key, which the collector refuses unless anonymous ingest is on",
  );

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => (stopping = true));

const truth = new GroundTruth();
const started = Date.now();
const pacer = new Pacer(args.rate, started);
const deadline = args.duration === undefined ? Number.POSITIVE_INFINITY : started + args.duration * 1000;
const inflight = new Set<Promise<void>>();
let generated = 0;
let sent = 0;
let failed: unknown;

// Progress: a rewritten line on a terminal, a plain line every 10 s otherwise.
const tty = process.stderr.isTTY && !args.quiet;
let lastSent = 0;
let lastAt = started;
let lastPrinted = 0;
const progress = setInterval(() => {
  const now = Date.now();
  const line = progressLine({
    sent,
    ratePerSec: ((sent - lastSent) * 1000) / Math.max(1, now - lastAt),
    totals: truth.totals,
    target: target.stats,
    elapsedS: (now - started) / 1000,
  });
  lastSent = sent;
  lastAt = now;
  if (tty) process.stderr.write(`\r\x1b[2K${line}`);
  else if (!args.quiet && now - lastPrinted >= 10_000) {
    lastPrinted = now;
    process.stderr.write(`${line}\n`);
  }
}, 1_000);

while (
  !stopping &&
  failed === undefined &&
  Date.now() < deadline &&
  (args.total === undefined || generated < args.total)
) {
  const now = Date.now();
  const due = pacer.due(now);
  if (due === 0) {
    await new Promise((r) => setTimeout(r, Math.min(pacer.waitMs(now), 50)));
    continue;
  }
  const n = Math.min(due, args.batch, args.total === undefined ? Number.POSITIVE_INFINITY : args.total - generated);
  const events = Array.from({ length: n }, () => factory.next(Date.now()));
  pacer.took(n);
  generated += n;
  const p = target.send(events).then(
    (accepted) => {
      // Only what the target durably took is part of the truth.
      if (accepted) for (const e of events) truth.record(e);
      sent += n;
    },
    (err) => {
      failed = err;
    },
  );
  inflight.add(p);
  void p.finally(() => inflight.delete(p));
  if (inflight.size >= args.concurrency) await Promise.race(inflight);
}
await Promise.all(inflight);
clearInterval(progress);
await target.close();
const elapsedS = (Date.now() - started) / 1000;
const summary = progressLine({
  sent,
  ratePerSec: sent / elapsedS,
  totals: truth.totals,
  target: target.stats,
  elapsedS,
});
if (!args.quiet) process.stderr.write(`${tty ? "\r\x1b[2K" : ""}${summary}\n`);
if (args.truth) {
  const tmp = `${args.truth}.tmp`;
  await writeFile(tmp, JSON.stringify(truth.toJSON()));
  await rename(tmp, args.truth);
  logger.info({ path: args.truth, clicks: truth.clicks, rows: truth.rows().length }, "ground truth written");
}
if (failed !== undefined) {
  logger.error({ err: failed }, "a send failed: stopped");
  process.exit(1);
}
process.exit(0);
