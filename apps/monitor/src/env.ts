// The monitor's environment, validated once at startup (process.env is read nowhere else).

import { createProcessEnv, logLevelEnvSchema, portEnv } from "@adclicks/config/env";
import { databaseUrlEnv } from "@adclicks/db/env-schema";
import { kafkaEnvSchema } from "@adclicks/kafka";
import { redisEnvSchema } from "@adclicks/live/env-schema";
import { z } from "zod";

export const env = createProcessEnv({
  ...kafkaEnvSchema,
  ...logLevelEnvSchema,
  ...redisEnvSchema,
  DATABASE_URL: databaseUrlEnv,
  // /metrics and /healthz: on loopback unless configured otherwise.
  MONITOR_PORT: portEnv("MONITOR_PORT", 9465),
  MONITOR_HOST: z.string().min(1, "MONITOR_HOST must be a host, e.g. 127.0.0.1").default("127.0.0.1"),
  /** The aggregator's consumer group: its checkpoints are stored under this name. */
  AGGREGATOR_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, "AGGREGATOR_GROUP: 1-100 of [A-Za-z0-9._-]")
    .default("aggregator"),
});
