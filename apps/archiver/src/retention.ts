// Drops raw_clicks partitions older than the retention, so the archive stays bounded.
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
