// KAFKA_LEAN, validated once, when the first Kafka client is created (createKafka): whether kafkajs
// runs with the lean replacements of its internals (lean/) or entirely on its own.
import { createProcessEnv } from "@adclicks/config/env";
import { kafkaLeanEnvSchema } from "./env-schema";

let enabled: boolean | undefined;

export function leanKafkajsEnabled(): boolean {
  enabled ??= createProcessEnv(kafkaLeanEnvSchema).KAFKA_LEAN;
  return enabled;
}
