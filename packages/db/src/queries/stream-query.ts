// Reads a query's rows in batches through a server-side cursor, so an export of millions of rows
// holds one batch in memory at a time. The cursor lives in a read-only transaction on a client of
// its own; stopping the iteration early (a client that went away) closes it and frees the client.
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Db } from "../client";

const dialect = new PgDialect();

export async function* streamQuery<T>(db: Db, query: SQL, batchRows = 2000): AsyncGenerator<T[], void, undefined> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  const client = await db.$client.connect();
  let done = false;
  let failure: Error | undefined;
  try {
    // Repeatable read: every batch comes from one snapshot, so rows neither repeat nor go missing.
    await client.query("begin isolation level repeatable read read only");
    await client.query(`declare export_rows no scroll cursor for ${text}`, params);
    for (;;) {
      const res = await client.query<T & Record<string, unknown>>(`fetch forward ${batchRows} from export_rows`);
      if (res.rows.length === 0) break;
      yield res.rows;
    }
    await client.query("commit");
    done = true;
  } catch (err) {
    failure = err as Error;
    throw err;
  } finally {
    if (!done && !failure) {
      // Stopped early by the consumer: end the transaction, and with it the cursor.
      try {
        await client.query("rollback");
      } catch (err) {
        failure = err as Error;
      }
    }
    // A client whose transaction failed half-way is discarded rather than returned to the pool.
    client.release(failure);
  }
}
