// Clicks on ads the catalog does not know. They are counted like any other (billing must not lose
// clicks while the catalog syncs); this tallies them per final minute, once, for the ops view: an
// anti-join of one minute's rollups with `ads`, again only when late corrections changed the
// minute, so its cost is a minute's rollups per minute whatever the window shown.
import type pg from "pg";

/** Tallies kept: a little more than the ops view's hour. */
export const CATALOG_MISSES_KEPT_MS = 2 * 3_600_000;

/**
 * Tallies the final minutes of the kept range not tallied yet (or whose late clicks changed
 * since), at most `maxMinutes` per call, oldest first, and forgets tallies past the range.
 * One statement: minute_status and the rollups are read in one snapshot. Returns the minutes
 * tallied (epoch ms).
 */
export async function tallyCatalogMisses(pool: pg.Pool, nowMs: number, maxMinutes = 30): Promise<number[]> {
  const since = new Date(nowMs - CATALOG_MISSES_KEPT_MS);
  await pool.query("delete from catalog_misses where minute < $1", [since]);
  const { rows } = await pool.query<{ ms: number }>(
    `with todo as (
       select m.minute, m.late_clicks from minute_status m
         left join catalog_misses c on c.minute = m.minute
        where m.final_at is not null and m.minute >= $1
          and (c.minute is null or c.late_clicks_seen <> m.late_clicks)
        order by m.minute limit $2)
     insert into catalog_misses (minute, late_clicks_seen, ad_ids, clicks, tallied_at)
     select t.minute, t.late_clicks, coalesce(u.ad_ids, '{}'), coalesce(u.clicks, '{}'), now()
       from todo t
       left join lateral (
         select array_agg(x.ad_id order by x.ad_id) as ad_ids, array_agg(x.clicks order by x.ad_id) as clicks
           from (select r.ad_id, sum(r.clicks)::bigint as clicks from click_rollups r
                  where r.minute = t.minute and not exists (select 1 from ads a where a.id = r.ad_id)
                  group by r.ad_id) x) u on true
     on conflict (minute) do update set late_clicks_seen = excluded.late_clicks_seen, ad_ids = excluded.ad_ids,
       clicks = excluded.clicks, tallied_at = excluded.tallied_at
     returning (extract(epoch from minute) * 1000)::bigint as ms`,
    [since, maxMinutes],
  );
  return rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
}
