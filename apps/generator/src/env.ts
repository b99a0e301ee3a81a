// The generator's environment (Kafka for --target kafka, the collector port for the default
// URL), validated once at startup.
import { kafkaEnvSchema } from "@adclicks/kafka";
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

export const env = createEnv({
  server: {
    ...kafkaEnvSchema,
    COLLECTOR_PORT: z.coerce
      .number({ error: "COLLECTOR_PORT must be a port number" })
      .int("COLLECTOR_PORT must be a port number")
      .min(1, "COLLECTOR_PORT must be a port number")
      .max(65535, "COLLECTOR_PORT must be a port number")
      .default(4000),
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
