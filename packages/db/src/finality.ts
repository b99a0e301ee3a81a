// Minutes that are final but not (or no longer) published to the downstream feed, and the
// per-ad totals to publish for them (streamed: a minute at the book's scale has ~10⁵ ads).
import type pg from "pg";

export interface MinuteToPublish {
  minute: number;
  lateClicks: number;
  /** The minute's per-ad totals, `chunkSize` at a time, all from the snapshot `lateClicks` was read in. */
  chunks(): AsyncGenerator<{ adId: string; clicks: number }[]>;
}

/**
 * Runs `fn` on the oldest final minute awaiting (re)publication, if any. The totals are read
 * through a cursor, so memory stays bounded at any number of ads per minute. Returns the
 * minute handled, or undefined when none is pending.
 */
export async function withMinuteToPublish(
  pool: pg.Pool,
  chunkSize: number,
  fn: (m: MinuteToPublish) => Promise<void>,
): Promise<{ minute: number; lateClicks: number } | undefined> {
  const client = await pool.connect();
  try {
    await client.query("begin isolation level repeatable read read only");
    const pending = await client.query<{ ms: number; late_clicks: number }>(
      `select (extract(epoch from minute) * 1000)::bigint as ms, late_clicks from minute_status
        where final_at is not null and (published_at is null or needs_republish)
        order by minute limit 1`,
    );
    const row = pending.rows[0];
    if (!row) {
      await client.query("commit");
      return undefined;
    }
    await client.query(
      `declare totals no scroll cursor for
         select ad_id, sum(clicks)::bigint as clicks from click_rollups
          where minute = to_timestamp($1 / 1000.0) group by ad_id`,
      [row.ms],
    );
    async function* chunks() {
      for (;;) {
        const { rows } = await client.query<{ ad_id: string; clicks: number }>(`fetch ${chunkSize} from totals`);
        if (rows.length === 0) return;
        yield rows.map((r) => ({ adId: r.ad_id, clicks: r.clicks }));
      }
    }
    await fn({ minute: row.ms, lateClicks: row.late_clicks, chunks });
    await client.query("commit");
    return { minute: row.ms, lateClicks: row.late_clicks };
  } catch (err) {
    // A failed rollback must not hide the error rethrown below.
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Marks a minute published, unless more late clicks arrived since it was read. */
export async function markMinutePublished(pool: pg.Pool, minute: number, lateClicksSeen: number): Promise<boolean> {
  const res = await pool.query(
    `update minute_status set published_at = now(), needs_republish = false
      where minute = to_timestamp($1 / 1000.0) and late_clicks = $2`,
    [minute, lateClicksSeen],
  );
  return (res.rowCount ?? 0) > 0;
}
