// Public surface of @adclicks/kafka: client factory, codecs, topics, admin, the idempotent producer.
export * from "./admin";
export * from "./click-message";
export * from "./client";
export * from "./codecs";
export * from "./dead-letter";
export * from "./env-fragments";
export * from "./env-schema";
export { offsetOf, timestampOf } from "./lean-kafkajs";
export * from "./producer";
export * from "./topics";
