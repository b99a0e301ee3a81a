// The env fragment every process that reads click timestamps declares the same way (the future
// skew). Pure: validated by each app's env.ts with createProcessEnv (@adclicks/config/env).
import { DEFAULT_MAX_FUTURE_SKEW_MS } from "@adclicks/core";
import { z } from "zod";

/**
 * How far ahead of its receipt a click may be stamped before it is rejected as future_timestamp
 * (the collector, the shipper, and the aggregator against each record's Kafka timestamp): give
 * every process the same value. Why 30 s: see DEFAULT_MAX_FUTURE_SKEW_MS in @adclicks/core.
 */
export const maxFutureSkewEnvSchema = {
  MAX_FUTURE_SKEW_MS: z.coerce
    .number({ error: "MAX_FUTURE_SKEW_MS must be a number of milliseconds" })
    .int("MAX_FUTURE_SKEW_MS must be a whole number of milliseconds")
    .min(0, "MAX_FUTURE_SKEW_MS must be at least 0")
    .max(300_000, "MAX_FUTURE_SKEW_MS must be at most 300000 (5 minutes)")
    .default(DEFAULT_MAX_FUTURE_SKEW_MS),
};
