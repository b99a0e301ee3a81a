// The one way every process (apps, CLIs, the shared packages' own env) validates its environment,
// and the fragments every process declares the same way (log level, ports). The fragments are
// pure; createProcessEnv reads process.env when called, so an app's env.ts lists only its own.
import { createEnv, type StandardSchemaDictionary } from "@t3-oss/env-core";
import { z } from "zod";

/** pino's levels (`silent` for tests and benches). */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export const logLevelEnvSchema = {
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
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

/**
 * A process's env: `server` validated against `runtimeEnv` (process.env unless a test passes its
 * own), empty strings counting as unset; an invalid value throws one error naming the variable.
 */
export function createProcessEnv<TServer extends StandardSchemaDictionary>(
  server: TServer,
  runtimeEnv: Record<string, string | undefined> = process.env,
) {
  return createEnv<undefined, TServer>({
    server,
    runtimeEnv,
    emptyStringAsUndefined: true,
    onValidationError: throwInvalidEnv,
  });
}
