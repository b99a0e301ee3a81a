// The HTTP collector process: env, logger, Kafka client, server; drains on SIGTERM/SIGINT.
import { openHotAdFeed } from "@adclicks/db";
import { compressionType, createKafka, topicNames } from "@adclicks/kafka";
import { pino } from "pino";
import { startCollector } from "./collector";
import { env } from "./env";

const logger = pino({ level: env.LOG_LEVEL, base: { app: "collector" } });

// Hot-ad lists come from Postgres; the collector keeps serving with the last ones if it is away.
const hotAds = await openHotAdFeed(env.DATABASE_URL, {
  onError: (err) => logger.warn({ err: String(err) }, "hot-ad lists not readable; keeping the last ones"),
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
  maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
});
logger.info({ port: collector.port, brokers: env.KAFKA_BROKERS }, "collector listening: POST /v1/clicks");

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
      .then(() => hotAds.close())
      .then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, "error while draining");
          process.exit(1);
        },
      );
  });
}
