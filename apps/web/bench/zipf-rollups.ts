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

/** Adds the rollups of `minutes` minutes from `fromMs` at `clicksPerMinute` (one statement). */
export async function insertZipfRollups(
  db: Db,
  o: { fromMs: number; minutes: number; clicksPerMinute: number; ads: number },
): Promise<void> {
  await db.$client.query(
    `insert into click_rollups (ad_id, minute, country, clicks)
     select ad_id, minute, country, count(*) from (
       select 'ad-' || least($2::int, floor(power(random() * (power($2::float8, 0.1) - 1) + 1, 10))::int) as ad_id,
              to_timestamp(($1::bigint + (g % $4::int) * ${MINUTE}) / 1000.0) as minute,
              ($5::text[])[1 + floor(random() * ${COUNTRIES.length})::int] as country
       from generate_series(1, $3::int * $4::int) g) s
     group by 1, 2, 3`,
    [o.fromMs, o.ads, o.clicksPerMinute, o.minutes, COUNTRIES],
  );
}
