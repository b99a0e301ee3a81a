// Kafka settings for the processes that need only these (create-topics, tests), validated once.
import { createProcessEnv } from "@adclicks/config/env";
import { z } from "zod";
import { kafkaEnvSchema } from "./env-schema";

export const kafkaEnv = createProcessEnv({
  ...kafkaEnvSchema,
  KAFKA_PARTITIONS: z.coerce
    .number({ error: "KAFKA_PARTITIONS must be a number of partitions" })
    .int("KAFKA_PARTITIONS must be a whole number")
    .min(1, "KAFKA_PARTITIONS must be at least 1")
    .max(1024, "KAFKA_PARTITIONS must be at most 1024")
    .default(12),
});
