// The reconciliation worker's and CLIs' environment, validated once per process. The recount
// must decide as the live aggregator does: DEDUP_HORIZON_MS, MAX_FUTURE_SKEW_MS and
// AGGREGATOR_GROUP are the aggregator's own variables, with its defaults.
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

const flag = (name: string) =>
  z
    .enum(["0", "1"], { error: `${name} must be 1 (on) or 0 (off)` })
    .default("1")
    .transform((v) => v === "1");

export function loadEnv() {
  return createProcessEnv({
    ...kafkaEnvSchema,
    ...logLevelEnvSchema,
    ...maxFutureSkewEnvSchema,
    ...redisEnvSchema,
    DATABASE_URL: databaseUrlEnv,
    AGGREGATOR_GROUP: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, "AGGREGATOR_GROUP: 1-100 of [A-Za-z0-9._-]")
      .default("aggregator"),
    DEDUP_HORIZON_MS: ms("DEDUP_HORIZON_MS", 600_000, 0, 24 * 3_600_000),
    // The worker: metrics, how often it looks for requested runs, the schedule.
    RECON_METRICS_PORT: portEnv("RECON_METRICS_PORT", 4103),
    RECON_POLL_MS: ms("RECON_POLL_MS", 5_000, 100, 600_000),
    RECON_HOURLY: flag("RECON_HOURLY"),
    RECON_DAILY: flag("RECON_DAILY"),
    // After a range's end, how long until its last minute is final everywhere (lateness 15 s,
    // idle partitions 30 s, a checkpoint): then it is reconciled.
    RECON_SETTLE_MS: ms("RECON_SETTLE_MS", 120_000, 0, 3_600_000),
  });
}

export type ReconEnv = ReturnType<typeof loadEnv>;
