// kafkajs' types and constants, for the whole repo (nothing outside packages/kafka imports
// kafkajs), without loading kafkajs itself: that is createKafka's (client.ts).
import { createRequire } from "node:module";
import type * as Kafkajs from "kafkajs";

export type {
  Admin,
  Consumer,
  EachBatchPayload,
  ICustomPartitioner,
  Kafka,
  KafkaConfig,
  KafkaMessage,
  Message,
  PartitionMetadata,
  Producer,
  TopicMessages,
} from "kafkajs";

const require = createRequire(import.meta.url);

// kafkajs' constants, from the modules its index re-exports them from: loading the index here
// would load its consumer and producer before the lean internals are installed.
const compression = require("kafkajs/src/protocol/message/compression") as {
  Types: typeof Kafkajs.CompressionTypes;
  Codecs: typeof Kafkajs.CompressionCodecs;
};
export const CompressionTypes = compression.Types;
export type CompressionTypes = Kafkajs.CompressionTypes;
/** The codecs kafkajs compresses and decompresses with, by type (see codecs.ts). */
export const CompressionCodecs = compression.Codecs;
export const logLevel = (require("kafkajs/src/loggers") as { LEVELS: typeof Kafkajs.logLevel }).LEVELS;
export type logLevel = Kafkajs.logLevel;
export const Partitioners = require("kafkajs/src/producer/partitioners") as typeof Kafkajs.Partitioners;
