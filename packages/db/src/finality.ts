// Minutes that are final but not (or no longer) published to the downstream feed, and the
// per-ad totals to publish for them.
import type pg from "pg";

export interface MinuteToPublish {
  minute: number;
  lateClicks: number;
  ads: { adId: string; clicks: number }[];
}

/** Up to `limit` final minutes awaiting (re)publication, oldest first, with their per-ad totals. */
export async function loadMinutesToPublish(pool: pg.Pool, limit = 3): Promise<MinuteToPublish[]> {
  const client = await pool.connect();
  try {
    await client.query("begin isolation level repeatable read read only");
    const pending = await client.query<{ ms: number; late_clicks: number }>(
      `select (extract(epoch from minute) * 1000)::bigint as ms, late_clicks from minute_status
        where final_at is not null and (published_at is null or needs_republish)
        order by minute limit $1`,
      [limit],
    );
    const out: MinuteToPublish[] = [];
    for (const p of pending.rows) {
      const ads = await client.query<{ ad_id: string; clicks: number }>(
        `select ad_id, sum(clicks)::bigint as clicks from click_rollups
          where minute = to_timestamp($1 / 1000.0) group by ad_id`,
        [p.ms],
      );
      out.push({
        minute: p.ms,
        lateClicks: p.late_clicks,
        ads: ads.rows.map((r) => ({ adId: r.ad_id, clicks: r.clicks })),
      });
    }
    await client.query("commit");
    return out;
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
