// The HTTP collector process: env, logger, Kafka client, ingest keys (Postgres, with revocations
// heard at once) and their rate limits (Redis), server; drains on SIGTERM/SIGINT.
import { createLogger } from "@adclicks/config/logger";
import { openHotAdFeed } from "@adclicks/db";
import { createDb } from "@adclicks/db/client";
import { createIngestKeyCache } from "@adclicks/db/queries";
import { compressionType, createKafka, topicNames } from "@adclicks/kafka";
import { createIngestRateLimiter, createRedis, redisKeys } from "@adclicks/live";
import { startCollector } from "./collector";
import { env } from "./env";

const logger = createLogger("collector", env.LOG_LEVEL);

// Hot-ad lists come from Postgres; the collector keeps serving with the last ones if it is away.
const hotAds = await openHotAdFeed(env.DATABASE_URL, {
  onError: (err) => logger.warn({ err }, "hot-ad lists not readable; keeping the last ones"),
});
const db = createDb(env.DATABASE_URL, 4);
const keyCache = createIngestKeyCache({
  databaseUrl: env.DATABASE_URL,
  // Ingest must not stop with Postgres: a key verified within the hour is still accepted while
  // Postgres cannot be reached (nobody can revoke one then either).
  staleIfErrorMs: 3_600_000,
  onError: (message, err) => logger.warn({ err }, message),
});
await keyCache.start();
const redis = createRedis(env.REDIS_URL);
let redisWarned = 0;
redis.on("error", (err) => {
  if (Date.now() - redisWarned < 60_000) return; // ioredis reconnects by itself; say so once a minute
  redisWarned = Date.now();
  logger.warn({ err }, "Redis unreachable: rate limits are decided per collector process until it is back");
});

const collector = await startCollector({
  kafka: createKafka(env.KAFKA_BROKERS, "collector"),
  topics: topicNames(env.KAFKA_TOPIC_SUFFIX),
  logger,
  port: env.COLLECTOR_PORT,
  host: env.COLLECTOR_HOST,
  maxBytes: env.COLLECTOR_MAX_BODY_BYTES,
  ackTimeoutMs: env.COLLECTOR_ACK_TIMEOUT_MS,
  compression: compressionType(env.COLLECTOR_COMPRESSION),
  hotAds: hotAds.router,
  auth: { allowAnonymous: env.COLLECTOR_ALLOW_ANONYMOUS, verify: (presented) => keyCache.verify(db, presented) },
  rateLimiter: createIngestRateLimiter({ redis, tag: redisKeys(env.REDIS_PREFIX).tag }),
  anonymousEventsPerSecond: env.COLLECTOR_ANONYMOUS_EVENTS_PER_SECOND,
  metricsPort: env.COLLECTOR_METRICS_PORT === 0 ? undefined : env.COLLECTOR_METRICS_PORT,
  metricsHost: env.COLLECTOR_METRICS_HOST,
  maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
});
logger.info(
  {
    port: collector.port,
    metrics: collector.metricsPort ? `${env.COLLECTOR_METRICS_HOST}:${collector.metricsPort}` : "off",
    brokers: env.KAFKA_BROKERS,
    anonymous: env.COLLECTOR_ALLOW_ANONYMOUS,
  },
  "collector listening: POST /v1/clicks",
);
if (env.COLLECTOR_ALLOW_ANONYMOUS)
  logger.warn("anonymous ingest is ON (COLLECTOR_ALLOW_ANONYMOUS): requests without an ingest key are accepted");

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "draining");
    const hard = setTimeout(() => process.exit(1), 20_000);
    hard.unref();
    collector
      .close()
      .then(() => Promise.all([hotAds.close(), keyCache.close(), db.$client.end()]))
      .then(() => redis.quit())
      .then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, "error while draining");
          process.exit(1);
        },
      );
  });
}
