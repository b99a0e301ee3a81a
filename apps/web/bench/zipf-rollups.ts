// Minute rollups of generated traffic, written in SQL for the benches: clicks spread evenly over
// some minutes, ads drawn Zipf(0.9) by inverse-CDF sampling of the continuous power law x^-0.9
// on [1, ads] (as the live windows of bench:query are), countries a quarter US and the rest
// spread over 19 others; aggregated per (ad, minute, country).
import type { Db } from "@adclicks/db/client";

const MINUTE = 60_000;
/** The 19 countries besides the US, each as likely; the US holds a quarter of the clicks. */
export const OTHER_COUNTRIES = [
  "DE",
  "FR",
  "GB",
  "JP",
  "BR",
  "IN",
  "CA",
  "AU",
  "ES",
  "IT",
  "MX",
  "KR",
  "NL",
  "SE",
  "PL",
  "TR",
  "ID",
  "AR",
  "ZA",
];
const COUNTRIES = ["US", "US", "US", "US", ...OTHER_COUNTRIES];

/**
 * The cells of `minutes` minutes of generated clicks at `clicksPerMinute`, as a select of
 * (ad_id, m, country, clicks) with m the minute's index from 0; params $1 ads, $2 clicks per
 * minute, $3 minutes, $4 countries.
 */
export function zipfCells(o: { minutes: number; clicksPerMinute: number; ads: number }): {
  sql: string;
  params: unknown[];
} {
  return {
    sql: `select ad_id, m, country, count(*)::bigint as clicks from (
            select 'ad-' || least($1::int, floor(power(random() * (power($1::float8, 0.1) - 1) + 1, 10))::int) as ad_id,
                   (g % $3::int)::int as m,
                   ($4::text[])[1 + floor(random() * ${COUNTRIES.length})::int] as country
              from generate_series(1, $2::bigint * $3::int) g) s
           group by 1, 2, 3`,
    params: [o.ads, o.clicksPerMinute, o.minutes, COUNTRIES],
  };
}

/** Adds the rollups of `minutes` minutes from `fromMs` at `clicksPerMinute` (one statement). */
export async function insertZipfRollups(
  db: Db,
  o: { fromMs: number; minutes: number; clicksPerMinute: number; ads: number },
): Promise<void> {
  const cells = zipfCells(o);
  await db.$client.query(
    `insert into click_rollups (ad_id, minute, country, clicks)
     select ad_id, to_timestamp(($5::bigint + m * ${MINUTE}) / 1000.0), country, clicks from (${cells.sql}) c`,
    [...cells.params, o.fromMs],
  );
}

const ROLLUP_TABLES = ["click_rollups", "click_rollups_hourly", "ad_clicks_hourly"] as const;

/**
 * Vacuums the rollup tables as autovacuum would soon after a load this size (migration 0011's
 * settings): the visibility map it sets is what lets the rollup keys answer without the heap.
 * Returns their row counts.
 */
export async function vacuumRollups(db: Db): Promise<{ minuteRows: number; hourlyRows: number; adHourRows: number }> {
  for (const table of ROLLUP_TABLES) {
    await db.$client.query(`vacuum analyze ${table}`); // one per statement: vacuum refuses a transaction
  }
  const [minuteRows, hourlyRows, adHourRows] = await Promise.all(
    ROLLUP_TABLES.map(async (table) =>
      Number((await db.$client.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]!.n),
    ),
  );
  return { minuteRows: minuteRows!, hourlyRows: hourlyRows!, adHourRows: adHourRows! };
}
