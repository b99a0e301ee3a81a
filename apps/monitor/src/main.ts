// The monitor process: serves the pipeline-wide metrics (consumer lag per partition, outbox
// backlog, live windows, finality) on MONITOR_HOST:MONITOR_PORT, read fresh at each scrape from
// Kafka, Postgres and Redis, so they stay right while a worker is down. SIGTERM stops it.

import { createServer } from "node:http";
import { createLogger } from "@adclicks/config/logger";
import { createDb } from "@adclicks/db/client";
import { getPipelineGauges } from "@adclicks/db/queries";
import { createKafka, topicNames } from "@adclicks/kafka";
import { createLiveWindows, createRedis, redisKeys } from "@adclicks/live";
import { env } from "./env";
import { createMonitorMetrics } from "./metrics";
import { PipelineMonitor } from "./pipeline-monitor";

const log = createLogger("monitor", env.LOG_LEVEL);
const topics = topicNames(env.KAFKA_TOPIC_SUFFIX);
const db = createDb(env.DATABASE_URL, 2);
const redis = createRedis(env.REDIS_URL);
// ioredis reconnects by itself; a failed read shows in adclicks_monitor_source_up{source="redis"}.
redis.on("error", (err) => log.debug({ err }, "redis connection error"));
const live = createLiveWindows(redis, redisKeys(env.REDIS_PREFIX));
const admin = createKafka(env.KAFKA_BROKERS, "monitor").admin();
let adminConnected: Promise<void> | undefined;

const metrics = createMonitorMetrics();
const monitor = new PipelineMonitor({
  sources: {
    async logOffsets(topic) {
      adminConnected ??= admin.connect().catch((err: unknown) => {
        adminConnected = undefined;
        throw err;
      });
      await adminConnected;
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
    },
    gauges: () => getPipelineGauges(db),
    liveReady: async () => (await live.state()).ready,
  },
  // The names the archiver stores its checkpoints under (apps/archiver: RAW_ARCHIVE, DEAD_LETTER_ARCHIVE; the monitor must not import an app).
  consumers: [
    { name: env.AGGREGATOR_GROUP, topic: topics.clicks },
    { name: "raw-archive", topic: topics.clicks },
    { name: "dead-letter-archive", topic: topics.deadLetters },
  ],
  metrics,
  now: Date.now,
  log,
});

const server = createServer((req, res) => {
  req.resume();
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/metrics") {
    monitor
      .refresh()
      .then(() => metrics.registry.metrics())
      .then(
        (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        (err: unknown) => {
          log.error({ err }, "rendering /metrics failed");
          res.writeHead(500).end();
        },
      );
  } else if (path === "/healthz") res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
  else res.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics or /healthz\n");
});
server.on("error", (err) => {
  log.fatal({ err, port: env.MONITOR_PORT }, "cannot serve /metrics: set MONITOR_PORT to a free port");
  process.exit(1);
});
server.listen(env.MONITOR_PORT, env.MONITOR_HOST, () =>
  log.info({ host: env.MONITOR_HOST, port: env.MONITOR_PORT, topics }, "monitor metrics on /metrics"),
);

async function shutdown(signal: string): Promise<void> {
  log.info({ signal }, "stopping");
  server.close();
  await admin.disconnect().catch((err: unknown) => log.warn({ err }, "closing the Kafka admin failed"));
  await db.$client.end().catch((err: unknown) => log.warn({ err }, "closing the Postgres pool failed"));
  redis.disconnect();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
