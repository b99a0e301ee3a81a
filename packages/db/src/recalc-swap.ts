// The recalculation's swap into the live rollups (docs/reconciliation.md, phase "swapped") and
// the corrections it leaves for the Redis live windows.
import { MinuteCounts } from "@adclicks/core";
import type pg from "pg";

/**
 * The recalculation's swap, one transaction: each shadow cell's difference from the snapshot
 * (expected − actual) is added to click_rollups and to its hourly sums, so what the live path
 * counted after the snapshot stays on top; cells left at zero are removed; their final minutes
 * are marked for republication.
 * Only from phase `shadow`: a retry after it committed changes nothing. Returns the cells changed.
 */
export async function swapRecalc(pool: pg.Pool, runId: number): Promise<number | undefined> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const { rows } = await client.query<{ phase: string }>("select phase from recon_runs where id = $1 for update", [
      runId,
    ]);
    if (rows[0]?.phase !== "shadow") {
      await client.query("rollback");
      return undefined;
    }
    // One statement per table, rows in the order the aggregator's checkpoints lock them (minute
    // or hour, country, ad: checkpoints.ts), so the two never deadlock. The hourly tables get the
    // same differences: they stay the minute rollups summed by hour.
    const changed = await client.query(
      `insert into click_rollups (ad_id, minute, country, clicks)
       select ad_id, minute, country, expected - actual from recon_mismatches where run_id = $1
        order by minute, country collate "C", ad_id collate "C"
       on conflict (ad_id, minute, country) do update set clicks = click_rollups.clicks + excluded.clicks`,
      [runId],
    );
    await client.query(
      `insert into click_rollups_hourly (ad_id, hour, country, clicks)
       select ad_id, date_trunc('hour', minute, 'UTC') as hour, country, sum(expected - actual) from recon_mismatches
        where run_id = $1 group by hour, country, ad_id order by hour, country collate "C", ad_id collate "C"
       on conflict (ad_id, hour, country) do update set clicks = click_rollups_hourly.clicks + excluded.clicks`,
      [runId],
    );
    await client.query(
      `insert into ad_clicks_hourly (ad_id, hour, clicks)
       select ad_id, date_trunc('hour', minute, 'UTC') as hour, sum(expected - actual) from recon_mismatches
        where run_id = $1 group by hour, ad_id order by hour, ad_id collate "C"
       on conflict (ad_id, hour) do update set clicks = ad_clicks_hourly.clicks + excluded.clicks`,
      [runId],
    );
    await client.query(
      `delete from click_rollups r using recon_mismatches m
        where m.run_id = $1 and r.ad_id = m.ad_id and r.minute = m.minute and r.country = m.country
          and r.clicks = 0`,
      [runId],
    );
    for (const table of ["click_rollups_hourly", "ad_clicks_hourly"])
      await client.query(
        `delete from ${table} h using recon_mismatches m
          where m.run_id = $1 and h.ad_id = m.ad_id and h.hour = date_trunc('hour', m.minute, 'UTC') and h.clicks = 0`,
        [runId],
      );
    await client.query(
      `update minute_status set needs_republish = true
        where final_at is not null and minute in (select distinct minute from recon_mismatches where run_id = $1)`,
      [runId],
    );
    await client.query("update recon_runs set phase = 'swapped', corrected = $2, heartbeat_at = now() where id = $1", [
      runId,
      changed.rowCount ?? 0,
    ]);
    await client.query("commit");
    return changed.rowCount ?? 0;
  } catch (err) {
    await client.query("rollback").catch(() => {}); // the connection may be gone: the error below says why
    throw err;
  } finally {
    client.release();
  }
}

/** A recalculation's corrections (expected − actual per cell), for the Redis live windows. */
export async function readRecalcCorrections(pool: pg.Pool, runId: number): Promise<MinuteCounts> {
  const { rows } = await pool.query<{ ad_id: string; m: number; country: string; d: number }>(
    `select ad_id, (extract(epoch from minute) * 1000)::bigint as m, country, expected - actual as d
       from recon_mismatches where run_id = $1`,
    [runId],
  );
  const c = new MinuteCounts();
  for (const r of rows) c.add(r.m, r.country, r.ad_id, r.d);
  return c;
}
