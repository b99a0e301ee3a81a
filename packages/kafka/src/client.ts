// kafkajs client construction with our defaults: codecs registered, quiet logs routed to a
// callback, brokers from a comma-separated list.
// First: the lean record decoder must be in place before kafkajs' consumer is loaded.
import "./lean-kafkajs";
import kafkajs, { type Kafka, type KafkaConfig } from "kafkajs";
import { registerCodecs } from "./codecs";

export function parseBrokers(list: string): string[] {
  return list
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
}

export function createKafka(brokers: string, clientId: string, extra: Partial<KafkaConfig> = {}): Kafka {
  registerCodecs();
  return new kafkajs.Kafka({
    clientId,
    brokers: parseBrokers(brokers),
    logLevel: kafkajs.logLevel.ERROR,
    retry: { initialRetryTime: 100, retries: 8 },
    connectionTimeout: 3_000,
    ...extra,
  });
}
