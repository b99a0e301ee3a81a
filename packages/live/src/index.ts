// Public surface of @adclicks/live: the Redis live windows — the client, the key space, the
// exactly-once applies, the rebuild from Postgres, the reads the query layer uses, and the
// collector's per-key ingest rate limits (Redis, like the windows).
export * from "./client";
export * from "./ingest-rate-limit";
export * from "./live-reads";
export * from "./live-windows";
export * from "./rebuild";
export * from "./redis-keys";
