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

export interface PoolOptions {
  /**
   * Postgres cancels any statement running longer (lock waits included): a web request never
   * hangs on a slow query. Unset: no limit (workers whose transactions wait on Kafka or Redis).
   */
  statementTimeoutMs?: number | undefined;
  /** How long a query waits for a free connection before it fails. */
  connectionTimeoutMs?: number | undefined;
}

export function createPool(url: string, max = 10, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5_000,
    // Sent at connect as a session setting, so it covers every statement of the pool's clients.
    ...(opts.statementTimeoutMs !== undefined ? { statement_timeout: opts.statementTimeoutMs } : {}),
  });
  // A client that loses its server emits 'error'; without a listener the process dies. The pool
  // listens to idle clients; a checked-out one (a cursor, a transaction waiting on Kafka or
  // Redis) needs its own listener — its next query fails instead, and the caller retries.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

export function createDb(url: string, max = 10, opts: PoolOptions = {}): Db {
  return drizzle(createPool(url, max, opts), { schema }) as Db;
}

/**
 * Whether an error (or one of its causes, as query builders wrap them) means Postgres could not
 * answer in time: a statement cancelled by statement_timeout (SQLSTATE 57014) or no free
 * connection within the pool's connection timeout. Worth a retry later, unlike a bad query.
 */
export function isDatabaseBusy(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === "57014") return true;
    // pg-pool's own error for a connection not handed out in time (it has no code).
    if (e.message === "timeout exceeded when trying to connect") return true;
  }
  return false;
}
