// The collector's environment, validated once at startup (process.env is read nowhere else).

import { createProcessEnv, logLevelEnvSchema, portEnv } from "@adclicks/config/env";
import { databaseUrlEnv } from "@adclicks/db/env-schema";
import { compressionEnv, kafkaEnvSchema, maxFutureSkewEnvSchema } from "@adclicks/kafka";
import { redisEnvSchema } from "@adclicks/live/env-schema";
import { z } from "zod";

export const env = createProcessEnv({
  ...kafkaEnvSchema,
  ...logLevelEnvSchema,
  ...maxFutureSkewEnvSchema,
  COLLECTOR_PORT: portEnv("COLLECTOR_PORT", 4000),
  COLLECTOR_HOST: z.string().min(1).default("0.0.0.0"),
  COLLECTOR_MAX_BODY_BYTES: z.coerce
    .number({ error: "COLLECTOR_MAX_BODY_BYTES must be a number of bytes" })
    .int()
    .min(1024, "COLLECTOR_MAX_BODY_BYTES must be at least 1024")
    .default(5 * 1024 * 1024),
  COLLECTOR_ACK_TIMEOUT_MS: z.coerce
    .number({ error: "COLLECTOR_ACK_TIMEOUT_MS must be a number of milliseconds" })
    .int()
    .min(100, "COLLECTOR_ACK_TIMEOUT_MS must be at least 100")
    .default(10_000),
  COLLECTOR_COMPRESSION: compressionEnv("COLLECTOR_COMPRESSION"),
  // Where the aggregator's hot-ad lists and the ingest keys are read from.
  DATABASE_URL: databaseUrlEnv,
  // Where the per-key rate limits are shared between collector processes.
  ...redisEnvSchema,
  // Requests without an ingest key are refused (401) unless this is on: for local experiments only.
  COLLECTOR_ALLOW_ANONYMOUS: z
    .enum(["0", "1", "false", "true"], { error: "COLLECTOR_ALLOW_ANONYMOUS must be 1 or 0" })
    .default("0")
    .transform((v) => v === "1" || v === "true"),
  COLLECTOR_ANONYMOUS_EVENTS_PER_SECOND: z.coerce
    .number({ error: "COLLECTOR_ANONYMOUS_EVENTS_PER_SECOND must be a number of events" })
    .int()
    .min(1, "COLLECTOR_ANONYMOUS_EVENTS_PER_SECOND must be at least 1")
    .default(10_000),
  // /metrics on a listener of its own, on loopback unless configured otherwise (0 = off).
  COLLECTOR_METRICS_PORT: portEnv("COLLECTOR_METRICS_PORT", 4001),
  COLLECTOR_METRICS_HOST: z.string().min(1).default("127.0.0.1"),
});
