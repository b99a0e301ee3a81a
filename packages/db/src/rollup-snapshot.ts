// One consistent read of the rollups and a consumer's checkpoint seqs, a minute at a time: what
// the live windows (packages/live) are rebuilt from when Redis has lost them.
import type { PgPool } from "./client";

export interface RollupCell {
  ad_id: string;
  country: string;
  clicks: number;
}

export interface RollupSnapshot {
  /** The minutes (epoch ms, ascending) from `fromMs` on that have rollup rows, future ones too. */
  minutesFrom(fromMs: number): Promise<number[]>;
  /** Every rollup row of one minute. */
  minute(minuteMs: number): Promise<RollupCell[]>;
  /** The last committed checkpoint seq per partition of the consumer. */
  seqs(): Promise<{ partition: number; seq: number }[]>;
}

/**
 * Runs `read` inside one repeatable-read, read-only transaction, so the rollups and the seqs it
 * reads belong to the same instant (the seqs say which checkpoints the rollups hold).
 */
export async function withRollupSnapshot<T>(
  pool: PgPool,
  consumer: string,
  read: (snapshot: RollupSnapshot) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin isolation level repeatable read read only");
    const result = await read({
      // One index probe per minute with data (a loose index scan), not a scan of every row.
      minutesFrom: async (fromMs) =>
        (
          await client.query<{ m: number }>(
            `with recursive m as (
               (select minute from click_rollups where minute >= to_timestamp($1 / 1000.0) order by minute limit 1)
               union all
               select (select minute from click_rollups where minute > m.minute order by minute limit 1)
               from m where m.minute is not null)
             select (extract(epoch from minute) * 1000)::bigint as m from m where minute is not null`,
            [fromMs],
          )
        ).rows.map((r) => Number(r.m)),
      minute: async (m) =>
        (
          await client.query<RollupCell>(
            "select ad_id, country, clicks from click_rollups where minute = to_timestamp($1 / 1000.0)",
            [m],
          )
        ).rows,
      seqs: async () =>
        (
          await client.query<{ partition: number; seq: number }>(
            "select partition, seq from consumer_checkpoints where consumer = $1",
            [consumer],
          )
        ).rows,
    });
    await client.query("commit");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => {}); // the error that got us here is the one to report
    throw err;
  } finally {
    client.release();
  }
}
