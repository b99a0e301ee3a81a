// The generator's environment (Kafka for --target kafka, the collector port for the default
// URL), validated once at startup.
import { createProcessEnv, kafkaEnvSchema, logLevelEnvSchema, portEnv } from "@adclicks/kafka";

export const env = createProcessEnv({
  ...kafkaEnvSchema,
  ...logLevelEnvSchema,
  // A port to connect to, so 0 ("any free port") makes no sense here.
  COLLECTOR_PORT: portEnv("COLLECTOR_PORT", 4000, { allowZero: false }),
});
