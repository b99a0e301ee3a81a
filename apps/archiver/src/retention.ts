// Keeps the archive's stores bounded: drops raw_clicks partitions older than their retention,
// and deletes dead letters older than theirs in bounded batches. dead_letters is not partitioned:
// its volume is a small share of the clicks (the collector refuses mostly-invalid bodies whole,
// and every event counts against its key's rate), so indexed deletes of at most `batch` rows,
// each its own short transaction, keep up without a partition scheme; autovacuum reuses the space.
import type pg from "pg";
import { partitionsToDrop } from "./partitions";

export async function dropExpiredPartitions(pool: pg.Pool, nowMs: number, retentionMs: number): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `select c.relname as name
       from pg_inherits i
       join pg_class c on c.oid = i.inhrelid
       join pg_class p on p.oid = i.inhparent
      where p.relname = 'raw_clicks'`,
  );
  const doomed = partitionsToDrop(
    rows.map((r) => r.name),
    nowMs,
    retentionMs,
  );
  for (const name of doomed) await pool.query(`drop table if exists ${name}`); // names matched ^raw_clicks_\d{10}$
  return doomed;
}

export interface DeadLetterRetentionOptions {
  /** Rows per delete statement (one transaction each: short locks, bounded WAL per commit). */
  batch?: number;
  /** Statements per call; what is left waits for the next call. */
  maxBatches?: number;
}

/** Deletes dead letters first seen before now − retention, oldest first. Returns how many. */
export async function deleteExpiredDeadLetters(
  pool: pg.Pool,
  nowMs: number,
  retentionMs: number,
  opts: DeadLetterRetentionOptions = {},
): Promise<number> {
  const batch = opts.batch ?? 10_000;
  const maxBatches = opts.maxBatches ?? 100;
  const cutoff = new Date(nowMs - retentionMs);
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    // The first_seen index finds the oldest rows; ids keep the statement to exactly those.
    const r = await pool.query(
      `delete from dead_letters where id in (
         select id from dead_letters where first_seen < $1 order by first_seen limit $2)`,
      [cutoff, batch],
    );
    deleted += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < batch) break;
  }
  return deleted;
}
