// The archiver process: the raw-archive and dead-letter consumers (ARCHIVER_ROLES), retention of
// raw clicks and dead letters, the per-minute tally of clicks on ads missing from the catalog,
// and /metrics, /healthz, /readyz on ARCHIVER_HOST:ARCHIVER_PORT (loopback by default). SIGTERM
// leaves the group cleanly.
import { createServer } from "node:http";
import { createLogger } from "@adclicks/config/logger";
import { createPool, tallyCatalogMisses } from "@adclicks/db";
import { createKafka, topicNames } from "@adclicks/kafka";
import type { BatchReport, RunningConsumer } from "./checkpointed-consumer";
import { DEAD_LETTER_ARCHIVE, startDeadLetterArchive } from "./dead-letter-archive";
import { env } from "./env";
import { createArchiverMetrics } from "./metrics";
import { HOUR_MS } from "./partitions";
import { PartitionMaker, RAW_ARCHIVE, startRawArchive } from "./raw-archive";
import { deleteExpiredDeadLetters, dropExpiredPartitions } from "./retention";

const logger = createLogger("archiver", env.LOG_LEVEL);
const metrics = createArchiverMetrics();
const kafka = createKafka(env.KAFKA_BROKERS, "archiver");
const topics = topicNames(env.KAFKA_TOPIC_SUFFIX);
const pool = createPool(env.DATABASE_URL, env.ARCHIVER_CONCURRENCY + 3);
const retentionMs = env.ARCHIVER_RETENTION_HOURS * HOUR_MS;
const deadLetterRetentionMs = env.ARCHIVER_DEAD_LETTER_RETENTION_HOURS * HOUR_MS;
const partitions = new PartitionMaker(pool);

const record = (consumer: string) => (r: BatchReport) => {
  metrics.rows.inc({ consumer }, r.written);
  for (const [reason, n] of Object.entries(r.skipped ?? {})) if (n > 0) metrics.skipped.inc({ consumer, reason }, n);
  metrics.batchSeconds.observe({ consumer }, r.seconds);
  metrics.offset.set({ consumer, partition: String(r.partition) }, Number(r.nextOffset));
};

const running: Array<{ name: string; topic: string; c: RunningConsumer }> = [];
let ready = false;

const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/metrics") {
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  } else if (path === "/healthz") res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
  else if (path === "/readyz")
    res.writeHead(ready ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ ready }));
  else res.writeHead(404).end();
});
server.listen(env.ARCHIVER_PORT, env.ARCHIVER_HOST, () =>
  logger.info({ host: env.ARCHIVER_HOST, port: env.ARCHIVER_PORT }, "archiver metrics on /metrics"),
);

async function retention(): Promise<void> {
  try {
    const dropped = await dropExpiredPartitions(pool, Date.now(), retentionMs);
    if (dropped.length > 0) {
      partitions.forget();
      metrics.dropped.inc(dropped.length);
      logger.info({ dropped }, "dropped raw_clicks partitions past retention");
    }
  } catch (err) {
    logger.error({ err }, "retention failed; will retry");
  }
  try {
    const deleted = await deleteExpiredDeadLetters(pool, Date.now(), deadLetterRetentionMs);
    if (deleted > 0) {
      metrics.deadLettersDeleted.inc(deleted);
      logger.info({ deleted }, "deleted dead letters past retention");
    }
  } catch (err) {
    logger.error({ err }, "dead-letter retention failed; will retry");
  }
}

async function tallyMisses(): Promise<void> {
  try {
    await tallyCatalogMisses(pool, Date.now());
  } catch (err) {
    logger.warn({ err }, "tallying clicks on ads missing from the catalog failed; will retry");
  }
}

// Lag = partition end - stored checkpoint, for the partitions this process owns.
const admin = kafka.admin();
async function measureLag(): Promise<void> {
  try {
    await admin.connect();
    for (const { name, topic, c } of running) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const { partition, high } of ends) {
        const pos = c.positions().get(partition);
        if (pos !== undefined)
          metrics.lag.set({ consumer: name, partition: String(partition) }, Number(BigInt(high) - pos));
      }
    }
  } catch (err) {
    logger.debug({ err }, "lag measurement failed");
  }
}

// Kafka or Postgres may still be starting: retry until the consumers are up.
for (;;) {
  try {
    if (env.ARCHIVER_ROLES.includes("raw-archive") && !running.some((r) => r.name === RAW_ARCHIVE)) {
      const c = await startRawArchive({
        kafka,
        pool,
        logger,
        topic: topics.clicks,
        retentionMs,
        partitions,
        concurrency: env.ARCHIVER_CONCURRENCY,
        onBatch: record(RAW_ARCHIVE),
      });
      running.push({ name: RAW_ARCHIVE, topic: topics.clicks, c });
    }
    if (env.ARCHIVER_ROLES.includes("dead-letters") && !running.some((r) => r.name === DEAD_LETTER_ARCHIVE)) {
      const c = await startDeadLetterArchive({
        kafka,
        pool,
        logger,
        topic: topics.deadLetters,
        maxPayload: env.ARCHIVER_DEAD_LETTER_PAYLOAD_CHARS,
        onBatch: record(DEAD_LETTER_ARCHIVE),
      });
      running.push({ name: DEAD_LETTER_ARCHIVE, topic: topics.deadLetters, c });
    }
    break;
  } catch (err) {
    logger.warn({ err }, "could not start the consumers yet; retrying");
    await new Promise((r) => setTimeout(r, 2_000));
  }
}
ready = true;
logger.info({ roles: env.ARCHIVER_ROLES, topics }, "archiver running");
await retention();
await tallyMisses();
const timers = [
  setInterval(() => void retention(), HOUR_MS / 6),
  setInterval(() => void measureLag(), 10_000),
  // Idempotent in every archiver process: a minute is tallied soon after it becomes final.
  setInterval(() => void tallyMisses(), 15_000),
];

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    ready = false;
    logger.info({ signal }, "stopping");
    for (const t of timers) clearInterval(t);
    const hard = setTimeout(() => process.exit(1), 20_000);
    hard.unref();
    Promise.allSettled(running.map((r) => r.c.stop()))
      // Stopping: the admin client only read metadata, a failed disconnect loses nothing.
      .then(() => admin.disconnect().catch(() => {}))
      .then(() => pool.end())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}
