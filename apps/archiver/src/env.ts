// The archiver's environment, validated once at startup (process.env is read nowhere else).

import { createProcessEnv, logLevelEnvSchema, portEnv } from "@adclicks/config/env";
import { databaseUrlEnv } from "@adclicks/db/env-schema";
import { kafkaEnvSchema } from "@adclicks/kafka";
import { z } from "zod";

const ROLES = ["raw-archive", "dead-letters"] as const;

export const env = createProcessEnv({
  ...kafkaEnvSchema,
  ...logLevelEnvSchema,
  DATABASE_URL: databaseUrlEnv,
  ARCHIVER_PORT: portEnv("ARCHIVER_PORT", 4102),
  // /metrics, /healthz, /readyz: on loopback unless configured otherwise.
  ARCHIVER_HOST: z.string().min(1).default("127.0.0.1"),
  ARCHIVER_ROLES: z
    .string()
    .default(ROLES.join(","))
    .transform((s) => s.split(",").map((r) => r.trim()))
    .pipe(
      z
        .array(z.enum(ROLES, { error: `ARCHIVER_ROLES: a comma-separated subset of ${ROLES.join(", ")}` }))
        .min(1, "ARCHIVER_ROLES must name at least one role"),
    ),
  ARCHIVER_RETENTION_HOURS: z.coerce
    .number({ error: "ARCHIVER_RETENTION_HOURS must be a number of hours" })
    .int("ARCHIVER_RETENTION_HOURS must be a whole number of hours")
    .min(1, "ARCHIVER_RETENTION_HOURS must be at least 1")
    .default(24 * 30),
  ARCHIVER_DEAD_LETTER_RETENTION_HOURS: z.coerce
    .number({ error: "ARCHIVER_DEAD_LETTER_RETENTION_HOURS must be a number of hours" })
    .int("ARCHIVER_DEAD_LETTER_RETENTION_HOURS must be a whole number of hours")
    .min(1, "ARCHIVER_DEAD_LETTER_RETENTION_HOURS must be at least 1")
    .default(24 * 30),
  ARCHIVER_CONCURRENCY: z.coerce
    .number({ error: "ARCHIVER_CONCURRENCY must be a number" })
    .int()
    .min(1, "ARCHIVER_CONCURRENCY must be at least 1")
    .max(64, "ARCHIVER_CONCURRENCY must be at most 64")
    .default(2),
  ARCHIVER_DEAD_LETTER_PAYLOAD_CHARS: z.coerce
    .number({ error: "ARCHIVER_DEAD_LETTER_PAYLOAD_CHARS must be a number" })
    .int()
    .min(64, "ARCHIVER_DEAD_LETTER_PAYLOAD_CHARS must be at least 64")
    .default(8192),
});
