// Wires the clients every recon process needs from its validated env: Postgres, Kafka (and a
// connected admin), Redis, and the run dependencies of @adclicks/recon. close() ends them all.
import { hostname } from "node:os";
import type { Logger } from "@adclicks/config/logger";
import { createPool } from "@adclicks/db";
import { createKafka, topicNames } from "@adclicks/kafka";
import { createRedis, redisKeys } from "@adclicks/live";
import type { RunDeps } from "@adclicks/recon";
import type { ReconEnv } from "./env";

export interface ReconContext {
  deps: RunDeps;
  owner: string;
  close(): Promise<void>;
}

export async function createReconContext(env: ReconEnv, log: Logger): Promise<ReconContext> {
  const pool = createPool(env.DATABASE_URL, 4);
  const kafka = createKafka(env.KAFKA_BROKERS, `recon-${process.pid}`);
  const admin = kafka.admin();
  await admin.connect();
  const redis = createRedis(env.REDIS_URL);
  // ioredis reconnects by itself; a failed apply is reported by the run that made it.
  redis.on("error", (err) => log.debug({ err }, "redis connection error"));
  const deps: RunDeps = {
    pool,
    kafka,
    admin,
    topic: topicNames(env.KAFKA_TOPIC_SUFFIX).clicks,
    group: env.AGGREGATOR_GROUP,
    operator: { dedupHorizonMs: env.DEDUP_HORIZON_MS, maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS },
    redis,
    keys: redisKeys(env.REDIS_PREFIX),
    log,
  };
  return {
    deps,
    owner: `${hostname()}:${process.pid}`,
    close: async () => {
      await admin.disconnect().catch((err) => log.warn({ err }, "disconnecting the Kafka admin failed"));
      redis.disconnect();
      await pool.end().catch((err) => log.warn({ err }, "closing the Postgres pool failed"));
    },
  };
}
