// kafkajs client construction with our defaults: the lean internals installed (unless
// KAFKA_LEAN=0), codecs registered, quiet logs, brokers from a comma-separated list.
import { registerCodecs } from "./codecs";
import { type Kafka, type KafkaConfig, loadKafkajs, logLevel } from "./kafkajs";

export function parseBrokers(list: string): string[] {
  return list
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
}

/** Every Kafka client comes from here: the first call installs and checks the lean internals. */
export function createKafka(brokers: string, clientId: string, extra: Partial<KafkaConfig> = {}): Kafka {
  const { Kafka } = loadKafkajs();
  registerCodecs();
  return new Kafka({
    clientId,
    brokers: parseBrokers(brokers),
    logLevel: logLevel.ERROR,
    retry: { initialRetryTime: 100, retries: 8 },
    connectionTimeout: 3_000,
    ...extra,
  });
}
