// Aggregator entry point: validate config, wire clients, run the worker, serve /metrics and
// /healthz, stop gracefully on SIGTERM/SIGINT.
import { createServer } from "node:http";
import { createPool } from "@adclicks/db";
import { createKafka, topicNames } from "@adclicks/kafka";
import { createRedis, redisKeys } from "@adclicks/live";
import { pino } from "pino";
import { env } from "./env";
import { registry } from "./metrics";
import { AggregatorWorker } from "./worker";

const log = pino({ name: "aggregator", level: env.LOG_LEVEL });
const pool = createPool(env.DATABASE_URL, 4);
const redis = createRedis(env.REDIS_URL);
redis.on("error", (err) => log.debug({ err: String(err) }, "redis connection error"));

const worker = new AggregatorWorker({
  kafka: createKafka(env.KAFKA_BROKERS, `aggregator-${process.pid}`),
  topics: topicNames(env.KAFKA_TOPIC_SUFFIX),
  group: env.AGGREGATOR_GROUP,
  pool,
  redis,
  keys: redisKeys(env.REDIS_PREFIX),
  checkpointIntervalMs: env.CHECKPOINT_INTERVAL_MS,
  sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
  publishTopN: env.PUBLISH_TOP_N,
  publishBatch: env.PUBLISH_BATCH,
  hotAds: { clicksPerMinute: env.HOT_AD_CLICKS_PER_MINUTE, slots: env.HOT_AD_SLOTS },
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
    res.setHeader("content-type", registry.contentType);
    res.end(await registry.metrics());
  } else if (req.url === "/healthz") {
    res.end("ok\n");
  } else {
    res.statusCode = 404;
    res.end("not found: try /metrics or /healthz\n");
  }
});
if (env.METRICS_PORT > 0) {
  server.on("error", (err) => log.warn({ err: String(err) }, "metrics server unavailable"));
  server.listen(env.METRICS_PORT, "127.0.0.1");
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "stopping");
  await worker.stop();
  server.close();
  await pool.end().catch(() => {});
  redis.disconnect();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

await worker.start();
