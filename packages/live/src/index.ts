// Public surface of @adclicks/live: the Redis live windows — the client, the key space, the
// exactly-once applies, the rebuild from Postgres, and the reads the query layer uses.
export * from "./client";
export * from "./live-reads";
export * from "./live-windows";
export * from "./rebuild";
export * from "./redis-keys";
