// The generator's environment (Kafka for --target kafka, the collector port for the default
// URL and the ingest key it sends with), validated once at startup.
import { createProcessEnv, logLevelEnvSchema, portEnv } from "@adclicks/config/env";
import { kafkaEnvSchema } from "@adclicks/kafka";
import { z } from "zod";

export const env = createProcessEnv({
  ...kafkaEnvSchema,
  ...logLevelEnvSchema,
  // A port to connect to, so 0 ("any free port") makes no sense here.
  COLLECTOR_PORT: portEnv("COLLECTOR_PORT", 4000, { allowZero: false }),
  // --target http sends it as `Authorization: Bearer`; in the env rather than a flag, so it
  // stays out of `ps` (npm start passes the demo's key from .data/demo-credentials.json).
  GENERATOR_INGEST_KEY: z
    .string()
    .regex(/^aci_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/, "GENERATOR_INGEST_KEY must be an ingest key (aci_…)")
    .optional(),
});
