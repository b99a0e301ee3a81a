// Zod fragments for the Kafka env vars, for processes that validate their own env.ts with
// createProcessEnv (`createProcessEnv({ ...kafkaEnvSchema, ... })`). Pure: reads no environment.
import { z } from "zod";

export const kafkaEnvSchema = {
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, "KAFKA_BROKERS must be a host:port list, e.g. localhost:9092")
    .default("localhost:9092"),
  KAFKA_TOPIC_SUFFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, "KAFKA_TOPIC_SUFFIX may only contain [A-Za-z0-9._-]")
    .default(""),
};

/** Read by createKafka (env-lean.ts): the one switch for every kafkajs client of a process. */
export const kafkaLeanEnvSchema = {
  KAFKA_LEAN: z
    .enum(["0", "1"], {
      error:
        "KAFKA_LEAN must be 1 (kafkajs with the lean replacements of its internals, the default) or 0 (kafkajs' own)",
    })
    .default("1")
    .transform((v) => v === "1"),
};

/** The codecs our producers can write: kafkajs can only decompress zstd (see codecs.ts). */
export const PRODUCER_COMPRESSIONS = ["none", "gzip", "snappy", "lz4"] as const;
export type ProducerCompression = (typeof PRODUCER_COMPRESSIONS)[number];

/** A producer's compression read from `name` (lz4 unless set); `compressionType` maps it for kafkajs. */
export function compressionEnv(name: string) {
  return z.enum(PRODUCER_COMPRESSIONS, { error: `${name} must be none, gzip, snappy or lz4` }).default("lz4");
}
