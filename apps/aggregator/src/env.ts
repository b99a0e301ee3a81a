// The aggregator's configuration, validated once at start (with the shared DB/Redis/Kafka env).
import { dbEnv } from "@adclicks/db/env";
import { kafkaEnv } from "@adclicks/kafka/env";
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

const ms = (name: string, def: number, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number of milliseconds` })
    .int(`${name} must be a whole number of milliseconds`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`)
    .default(def);

export const env = createEnv({
  server: {
    AGGREGATOR_GROUP: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, "AGGREGATOR_GROUP: 1-100 of [A-Za-z0-9._-]")
      .default("aggregator"),
    CHECKPOINT_INTERVAL_MS: ms("CHECKPOINT_INTERVAL_MS", 1_000, 50, 60_000),
    ALLOWED_LATENESS_MS: ms("ALLOWED_LATENESS_MS", 15_000, 0, 3_600_000),
    IDLE_TIMEOUT_MS: ms("IDLE_TIMEOUT_MS", 30_000, 100, 3_600_000),
    DEDUP_HORIZON_MS: ms("DEDUP_HORIZON_MS", 600_000, 0, 24 * 3_600_000),
    KAFKA_SESSION_TIMEOUT_MS: ms("KAFKA_SESSION_TIMEOUT_MS", 30_000, 6_000, 300_000),
    PUBLISH_TOP_N: z.coerce.number().int().min(1).max(10_000).default(100),
    METRICS_PORT: z.coerce.number().int().min(0, "METRICS_PORT must be a port number").max(65_535).default(9464),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  },
  extends: [dbEnv, kafkaEnv],
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});
