// The shipper's environment (Kafka location, compression, log level, the database holding the
// hot-ad lists), validated once at startup.
import { createProcessEnv, logLevelEnvSchema } from "@adclicks/config/env";
import { databaseUrlEnv } from "@adclicks/db/env-schema";
import { compressionEnv, kafkaEnvSchema, maxFutureSkewEnvSchema } from "@adclicks/kafka";

export const env = createProcessEnv({
  ...kafkaEnvSchema,
  ...logLevelEnvSchema,
  ...maxFutureSkewEnvSchema,
  SHIPPER_COMPRESSION: compressionEnv("SHIPPER_COMPRESSION"),
  // Where the aggregator's hot-ad lists are read from (hot ads are split over several keys).
  DATABASE_URL: databaseUrlEnv,
});
