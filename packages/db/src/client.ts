// Postgres clients. Callers pass URLs (tests use their own database); processes get them from
// env.ts. (The Redis client is @adclicks/live's.)
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema";

export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** A Postgres connection pool (for packages that pass one on without a driver of their own). */
export type PgPool = pg.Pool;

// BIGINT and NUMERIC sums come back as strings by default; every count here fits in 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export function createPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
  // A client that loses its server emits 'error'; without a listener the process dies. The pool
  // listens to idle clients; a checked-out one (a cursor, a transaction waiting on Kafka or
  // Redis) needs its own listener — its next query fails instead, and the caller retries.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

export function createDb(url: string, max = 10): Db {
  return drizzle(createPool(url, max), { schema }) as Db;
}
