// Kafka settings shared by every process, validated once.
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

export const kafkaEnv = createEnv({
  server: {
    KAFKA_BROKERS: z
      .string()
      .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, "KAFKA_BROKERS: expected a host:port list, e.g. localhost:9092")
      .default("localhost:9092"),
    KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(12),
    KAFKA_TOPIC_SUFFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]*$/)
      .default(""),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});
