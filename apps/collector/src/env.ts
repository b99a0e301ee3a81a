// The collector's environment, validated once at startup (process.env is read nowhere else).
import { kafkaEnvSchema } from "@adclicks/kafka";
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

export const env = createEnv({
  server: {
    ...kafkaEnvSchema,
    COLLECTOR_PORT: z.coerce
      .number({ error: "COLLECTOR_PORT must be a port number" })
      .int("COLLECTOR_PORT must be a port number")
      .min(0, "COLLECTOR_PORT must be a port number")
      .max(65535, "COLLECTOR_PORT must be a port number")
      .default(4000),
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
    COLLECTOR_COMPRESSION: z
      .enum(["none", "gzip", "snappy", "lz4"], { error: "COLLECTOR_COMPRESSION must be none, gzip, snappy or lz4" })
      .default("lz4"),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
      })
      .default("info"),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
  onValidationError: (issues) => {
    throw new Error(`invalid environment: ${issues.map((i) => i.message).join("; ")}`);
  },
});
