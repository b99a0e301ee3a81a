// Aggregator entry point: validate config, wire clients, run the worker, serve /metrics and
// /healthz, stop gracefully on SIGTERM/SIGINT. Run it with the flags of runtime.ts (npm start does).
import { createServer } from "node:http";
import { createLogger } from "@adclicks/config/logger";
import { createPool } from "@adclicks/db";
import { createIdempotentProducer, createKafka, topicNames } from "@adclicks/kafka";
import { createRedis, redisKeys } from "@adclicks/live";
import { systemClock } from "./clock";
import { env } from "./env";
import { createAggregatorMetrics } from "./metrics";
import { createDbPorts } from "./ports";
import { AggregatorWorker } from "./worker";

const log = createLogger("aggregator", env.LOG_LEVEL);
const metrics = createAggregatorMetrics(undefined, { now: systemClock.now });
const pool = createPool(env.DATABASE_URL, 4);
const redis = createRedis(env.REDIS_URL);
// ioredis reconnects by itself; a failed apply or rebuild is logged (and retried) where it happens.
redis.on("error", (err) => log.debug({ err }, "redis connection error"));
const kafka = createKafka(env.KAFKA_BROKERS, `aggregator-${process.pid}`);
const topics = topicNames(env.KAFKA_TOPIC_SUFFIX);

const worker = new AggregatorWorker({
  consumer: kafka.consumer({
    groupId: env.AGGREGATOR_GROUP,
    sessionTimeout: env.KAFKA_SESSION_TIMEOUT_MS,
    heartbeatInterval: Math.floor(env.KAFKA_SESSION_TIMEOUT_MS / 10),
    rebalanceTimeout: 60_000,
    maxBytesPerPartition: 1024 * 1024,
    maxBytes: 3 * 1024 * 1024,
    maxWaitTimeInMs: 250,
  }),
  producer: createIdempotentProducer(kafka),
  admin: kafka.admin(),
  topics,
  group: env.AGGREGATOR_GROUP,
  ports: createDbPorts({
    pool,
    redis,
    keys: redisKeys(env.REDIS_PREFIX),
    group: env.AGGREGATOR_GROUP,
    topic: topics.clicks,
    publishBatch: env.PUBLISH_BATCH,
    hotAds: { clicksPerMinute: env.HOT_AD_CLICKS_PER_MINUTE, slots: env.HOT_AD_SLOTS },
    clock: systemClock,
  }),
  clock: systemClock,
  metrics,
  checkpointIntervalMs: env.CHECKPOINT_INTERVAL_MS,
  publishTopN: env.PUBLISH_TOP_N,
  operator: {
    allowedLatenessMs: env.ALLOWED_LATENESS_MS,
    maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
    idleTimeoutMs: env.IDLE_TIMEOUT_MS,
    dedupHorizonMs: env.DEDUP_HORIZON_MS,
  },
  log,
});

const server = createServer(async (req, res) => {
  if (req.url === "/metrics") {
    res.setHeader("content-type", metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  } else if (req.url === "/healthz") {
    res.end("ok\n");
  } else {
    res.statusCode = 404;
    res.end("not found: try /metrics or /healthz\n");
  }
});
if (env.METRICS_PORT > 0) {
  server.on("error", (err) => log.warn({ err }, "metrics server unavailable"));
  server.listen(env.METRICS_PORT, "127.0.0.1");
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "stopping");
  await worker.stop();
  server.close();
  await pool.end().catch((err) => log.warn({ err }, "closing the Postgres pool failed"));
  redis.disconnect();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

await worker.start();
