// The shipper's environment (Kafka location, log level), validated once at startup.
import { kafkaEnvSchema } from "@adclicks/kafka";
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

export const env = createEnv({
  server: {
    ...kafkaEnvSchema,
    SHIPPER_COMPRESSION: z
      .enum(["none", "gzip", "snappy", "lz4"], { error: "SHIPPER_COMPRESSION must be none, gzip, snappy or lz4" })
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
