// The shipper's environment (Kafka location, compression, log level, the database holding the
// hot-ad lists), validated once at startup.
import { compressionEnv, createProcessEnv, kafkaEnvSchema, logLevelEnvSchema } from "@adclicks/kafka";
import { z } from "zod";

export const env = createProcessEnv({
  ...kafkaEnvSchema,
  ...logLevelEnvSchema,
  SHIPPER_COMPRESSION: compressionEnv("SHIPPER_COMPRESSION"),
  // Where the aggregator's hot-ad lists are read from (hot ads are split over several keys).
  DATABASE_URL: z
    .url({
      protocol: /^postgres(ql)?$/,
      error: "DATABASE_URL must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/adclicks",
    })
    .default("postgres://postgres@127.0.0.1:5432/adclicks"),
});
