// Public surface of @adclicks/db: schema, clients, migrations, the Redis key space.
export * from "./client";
export * from "./migrate";
export * from "./redis-keys";
export * as schema from "./schema";
