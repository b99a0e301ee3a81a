// Public surface of @adclicks/kafka: kafkajs' types and constants (nothing else imports kafkajs),
// the client factory, codecs, topics, admin, the idempotent producer.
export * from "./admin";
export * from "./click-message";
export * from "./client";
export * from "./codecs";
export * from "./dead-letter";
export * from "./env-fragments";
export * from "./env-schema";
export * from "./kafkajs";
export { offsetOf, timestampOf } from "./lean/fetch-decode-messages";
export * from "./producer";
export * from "./range-reader";
export * from "./topics";
