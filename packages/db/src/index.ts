// Public surface of @adclicks/db: schema, clients, migrations, checkpoints, the Redis key space.

export * as authSchema from "./auth-schema";
export * from "./catalog-misses";
export * as catalogSchema from "./catalog-schema";
export * from "./checkpoints";
export * from "./client";
export * from "./finality";
export * from "./hot-ads";
export * from "./ingest-rate-limit";
export * from "./live-windows";
export * from "./migrate";
export * from "./redis-keys";
export * as schema from "./schema";
