// The collector's environment, validated once at startup (process.env is read nowhere else).

import { databaseUrlEnv } from "@adclicks/db/env-schema";
import {
  compressionEnv,
  createProcessEnv,
  kafkaEnvSchema,
  logLevelEnvSchema,
  maxFutureSkewEnvSchema,
  portEnv,
} from "@adclicks/kafka";
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
  // Where the aggregator's hot-ad lists are read from (hot ads are split over several keys).
  DATABASE_URL: databaseUrlEnv,
});
