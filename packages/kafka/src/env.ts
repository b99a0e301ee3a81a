// Kafka settings shared by every process, validated once.
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";
import { kafkaEnvSchema } from "./env-schema";

export const kafkaEnv = createEnv({
  server: {
    ...kafkaEnvSchema,
    KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(12),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});
