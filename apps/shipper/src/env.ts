// The shipper's environment (Kafka location, compression, log level), validated once at startup.
import { compressionEnv, createProcessEnv, kafkaEnvSchema, logLevelEnvSchema } from "@adclicks/kafka";

export const env = createProcessEnv({
  ...kafkaEnvSchema,
  ...logLevelEnvSchema,
  SHIPPER_COMPRESSION: compressionEnv("SHIPPER_COMPRESSION"),
});
