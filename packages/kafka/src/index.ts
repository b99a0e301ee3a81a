// Public surface of @adclicks/kafka: client factory, codecs, topics, admin.
export * from "./admin";
export * from "./client";
export * from "./codecs";
export * from "./dead-letter";
export * from "./topics";
