// Env fragments every process declares the same way (log level, ports) and the one way the apps
// validate their env.ts, so each app's env.ts lists only what is its own. The fragments are pure;
// createProcessEnv reads process.env when called.
import { DEFAULT_MAX_FUTURE_SKEW_MS } from "@adclicks/core";
import { createEnv, type StandardSchemaDictionary } from "@t3-oss/env-core";
import { z } from "zod";

/** pino's levels (`silent` for tests and benches). */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export const logLevelEnvSchema = {
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
};

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

/**
 * A TCP port read from `name`. 0 is allowed by default: a port the process listens on may be
 * "any free one" (tests do that); a port it connects to passes `{ allowZero: false }`.
 */
export function portEnv(name: string, defaultPort: number, { allowZero = true } = {}) {
  const message = `${name} must be a port number`;
  return z.coerce
    .number({ error: message })
    .int(message)
    .min(allowZero ? 0 : 1, message)
    .max(65_535, message)
    .default(defaultPort);
}

/** One error naming every invalid variable (env-core's default logs them and throws a generic one). */
export function throwInvalidEnv(issues: readonly { message: string }[]): never {
  throw new Error(`invalid environment: ${issues.map((i) => i.message).join("; ")}`);
}

/** An app's env: `server` validated against process.env, empty strings counting as unset. */
export function createProcessEnv<TServer extends StandardSchemaDictionary>(server: TServer) {
  return createEnv<undefined, TServer>({
    server,
    runtimeEnv: process.env,
    emptyStringAsUndefined: true,
    onValidationError: throwInvalidEnv,
  });
}
