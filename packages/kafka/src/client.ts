// kafkajs client construction with our defaults: the lean internals installed (unless
// KAFKA_LEAN=0), codecs registered, quiet logs, brokers from a comma-separated list.
import { createRequire } from "node:module";
import type * as Kafkajs from "kafkajs";
import { registerCodecs } from "./codecs";
import { leanKafkajsEnabled } from "./env-lean";
import type { Kafka, KafkaConfig } from "./kafkajs";
import { installLeanKafkajs } from "./lean/install";

const require = createRequire(import.meta.url);
let kafkajs: typeof Kafkajs | undefined;

/** kafkajs itself, loaded at the first call, with the lean internals installed unless KAFKA_LEAN=0. */
function loadKafkajs(): typeof Kafkajs {
  if (kafkajs === undefined) {
    if (leanKafkajsEnabled()) installLeanKafkajs();
    kafkajs = require("kafkajs") as typeof Kafkajs;
  }
  return kafkajs;
}

export function parseBrokers(list: string): string[] {
  return list
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
}

/** Every Kafka client comes from here: the first call installs and checks the lean internals. */
export function createKafka(brokers: string, clientId: string, extra: Partial<KafkaConfig> = {}): Kafka {
  const { Kafka, logLevel } = loadKafkajs();
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
