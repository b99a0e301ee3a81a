// The aggregator's configuration, validated once at start (with the shared DB/Redis/Kafka schemas);
// process.env is read nowhere else.
import { createProcessEnv, logLevelEnvSchema, portEnv } from "@adclicks/config/env";
import { databaseUrlEnv } from "@adclicks/db/env-schema";
import { kafkaEnvSchema, maxFutureSkewEnvSchema } from "@adclicks/kafka";
import { redisEnvSchema } from "@adclicks/live/env-schema";
import { z } from "zod";

const ms = (name: string, def: number, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number of milliseconds` })
    .int(`${name} must be a whole number of milliseconds`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`)
    .default(def);

export const env = createProcessEnv({
  ...kafkaEnvSchema,
  ...logLevelEnvSchema,
  ...redisEnvSchema,
  DATABASE_URL: databaseUrlEnv,
  AGGREGATOR_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, "AGGREGATOR_GROUP: 1-100 of [A-Za-z0-9._-]")
    .default("aggregator"),
  CHECKPOINT_INTERVAL_MS: ms("CHECKPOINT_INTERVAL_MS", 1_000, 50, 60_000),
  ALLOWED_LATENESS_MS: ms("ALLOWED_LATENESS_MS", 15_000, 0, 3_600_000),
  ...maxFutureSkewEnvSchema,
  IDLE_TIMEOUT_MS: ms("IDLE_TIMEOUT_MS", 30_000, 100, 3_600_000),
  DEDUP_HORIZON_MS: ms("DEDUP_HORIZON_MS", 600_000, 0, 24 * 3_600_000),
  KAFKA_SESSION_TIMEOUT_MS: ms("KAFKA_SESSION_TIMEOUT_MS", 30_000, 6_000, 300_000),
  PUBLISH_TOP_N: z.coerce
    .number({ error: "PUBLISH_TOP_N must be a number of ads" })
    .int("PUBLISH_TOP_N must be a whole number")
    .min(1, "PUBLISH_TOP_N must be at least 1")
    .max(10_000, "PUBLISH_TOP_N must be at most 10000")
    .default(100),
  // Per-ad totals of a final minute are read and sent this many at a time (bounded memory).
  PUBLISH_BATCH: z.coerce
    .number({ error: "PUBLISH_BATCH must be a number of rows" })
    .int("PUBLISH_BATCH must be a whole number of rows")
    .min(1, "PUBLISH_BATCH must be at least 1")
    .max(100_000, "PUBLISH_BATCH must be at most 100000")
    .default(20_000),
  // Hot-ad splitting: an ad with this many clicks in a final minute is split over
  // HOT_AD_SLOTS Kafka keys two minutes later (0 turns splitting off).
  HOT_AD_CLICKS_PER_MINUTE: z.coerce
    .number({ error: "HOT_AD_CLICKS_PER_MINUTE must be a number of clicks" })
    .int("HOT_AD_CLICKS_PER_MINUTE must be a whole number")
    .min(0, "HOT_AD_CLICKS_PER_MINUTE must be 0 (off) or more")
    .default(30_000),
  HOT_AD_SLOTS: z.coerce
    .number({ error: "HOT_AD_SLOTS must be a number" })
    .int("HOT_AD_SLOTS must be a whole number")
    .min(2, "HOT_AD_SLOTS must be at least 2")
    .max(64, "HOT_AD_SLOTS must be at most 64")
    .default(4),
  METRICS_PORT: portEnv("METRICS_PORT", 9464),
});
