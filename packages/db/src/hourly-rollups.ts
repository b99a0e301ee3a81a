// Recomputes the hourly rollups (click_rollups_hourly, ad_clicks_hourly) of some hours from the
// minute rollups. The aggregator never needs it (its checkpoints add both in one transaction);
// it is for writers that set minute rollups in bulk outside that path: bench loaders, fixtures.
import type pg from "pg";

const HOUR_MS = 3_600_000;

/**
 * Replaces the hourly rows of every hour overlapping [fromMs, toMs) (every hour when no range is
 * given) with the minute rollups summed by hour, in one transaction.
 */
export async function rebuildHourlyRollups(
  pool: pg.Pool,
  range: { fromMs: number; toMs: number } | null = null,
): Promise<void> {
  // Hour-aligned bounds, or none (every hour).
  const params = range
    ? [new Date(Math.floor(range.fromMs / HOUR_MS) * HOUR_MS), new Date(Math.ceil(range.toMs / HOUR_MS) * HOUR_MS)]
    : [];
  const within = (col: string) => (range ? `${col} >= $1 and ${col} < $2` : "true");
  const client = await pool.connect();
  try {
    await client.query("begin");
    // Writers of the minute rollups wait until the hourly rows agree with them again.
    await client.query("lock table click_rollups in share mode");
    await client.query(`delete from click_rollups_hourly where ${within("hour")}`, params);
    await client.query(`delete from ad_clicks_hourly where ${within("hour")}`, params);
    await client.query(
      `insert into click_rollups_hourly (ad_id, hour, country, clicks)
       select ad_id, date_trunc('hour', minute, 'UTC'), country, sum(clicks) from click_rollups
        where ${within("minute")} group by 1, 2, 3`,
      params,
    );
    await client.query(
      `insert into ad_clicks_hourly (ad_id, hour, clicks)
       select ad_id, hour, sum(clicks) from click_rollups_hourly
        where ${within("hour")} group by 1, 2`,
      params,
    );
    await client.query("commit");
  } catch (err) {
    await client.query("rollback").catch(() => {}); // the connection is released either way; err is rethrown
    throw err;
  } finally {
    client.release();
  }
}
