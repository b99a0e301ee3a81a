// Public surface of @adclicks/db (Postgres only): schema, clients, migrations, checkpoints,
// finality, hot-ad lists, the hourly rollups' rebuild, reconciliation runs and the rollup
// snapshot the Redis live windows are rebuilt from.

export * as authSchema from "./auth-schema";
export * from "./catalog-misses";
export * as catalogSchema from "./catalog-schema";
export * from "./checkpoints";
export * from "./client";
export * from "./finality";
export * from "./hot-ads";
export * from "./hourly-rollups";
export * from "./migrate";
export * from "./recalc-swap";
export * from "./reconciliation";
export * from "./rollup-snapshot";
export * as schema from "./schema";
