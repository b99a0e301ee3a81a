// Click series: clicks per minute (or per hour for long ranges) for a few ads, zero-filled, with
// the finality of each bucket. Answered by the rollups (the raw archive for ip / user_id filters):
// a per-ad index range scan, cheap for the handful of ads a chart shows; hour buckets read whole
// hours from the hourly rollups.
import { sql } from "drizzle-orm";
import { isFinal, planQuery } from "./plan-query";
import { rollupSpan } from "./rollup-span";
import { bucketOf, rawConditions, rollupConditions } from "./sql-fragments";
import { type ClickFilter, HOUR_MS, MINUTE_MS, type QueryDeps, QueryInputError, type TimeRange } from "./types";

export type Granularity = "minute" | "hour";
export const MAX_SERIES_ADS = 50;
/** Minute buckets are allowed up to a day, hour buckets up to the longest range (31 days). */
export const MAX_MINUTE_BUCKETS = 1440;

export interface ClickSeriesInput {
  adIds: readonly string[];
  range: TimeRange;
  /** Default: minutes up to 6 hours, hours beyond. */
  granularity?: Granularity;
  filter?: ClickFilter;
}

export interface SeriesBucket {
  tsMs: number;
  final: boolean;
}

export interface ClickSeries {
  granularity: Granularity;
  fromMs: number;
  toMs: number;
  asOfMs: number | null;
  buckets: SeriesBucket[];
  /** One row per requested ad (in request order), counts aligned with `buckets`. */
  series: { adId: string; counts: number[]; total: number }[];
}

export function chooseGranularity(fromMs: number, toMs: number): Granularity {
  return toMs - fromMs <= 6 * HOUR_MS ? "minute" : "hour";
}

export async function getClickSeries(deps: QueryDeps, input: ClickSeriesInput): Promise<ClickSeries> {
  const adIds = [...new Set(input.adIds)];
  if (adIds.length === 0 || adIds.length > MAX_SERIES_ADS) {
    throw new QueryInputError("ad_ids", `give 1 to ${MAX_SERIES_ADS} ad ids`);
  }
  const filter = input.filter ?? {};
  const plan = await planQuery(deps, input.range, filter);
  const { fromMs, toMs } = plan.range;
  const granularity = input.granularity ?? chooseGranularity(fromMs, toMs);
  const step = granularity === "minute" ? MINUTE_MS : HOUR_MS;
  if (granularity === "minute" && (toMs - fromMs) / MINUTE_MS > MAX_MINUTE_BUCKETS) {
    throw new QueryInputError("granularity", "minute buckets cover at most 1440 minutes: use hour");
  }
  const query =
    plan.source === "raw"
      ? sql`select ad_id, ${bucketOf(sql`ts`, granularity)} as bucket, count(*)::bigint as n from raw_clicks
            where ${rawConditions(plan.range, filter, { adIds })} group by 1, 2`
      : granularity === "hour"
        ? sql`select ad_id, ${bucketOf(sql`t`, "hour")} as bucket, sum(clicks)::bigint as n
                from ${rollupSpan(plan.range, filter, { adIds })} group by 1, 2`
        : sql`select ad_id, minute as bucket, sum(clicks)::bigint as n from click_rollups
                where ${rollupConditions(plan.range, filter, { adIds })} group by 1, 2`;
  const res = await deps.db.execute<{ ad_id: string; bucket: Date; n: number }>(query);

  // Buckets start at the range start rounded down to the step (the first hour may be partial).
  const first = Math.floor(fromMs / step) * step;
  const buckets: SeriesBucket[] = [];
  for (let t = first; t < toMs; t += step) {
    buckets.push({ tsMs: t, final: isFinal({ fromMs: t, toMs: Math.min(t + step, toMs) }, plan.asOfMs) });
  }
  const rows = new Map(adIds.map((id) => [id, new Array<number>(buckets.length).fill(0)]));
  for (const r of res.rows) {
    const i = Math.round((new Date(r.bucket).getTime() - first) / step);
    const counts = rows.get(r.ad_id);
    if (counts && i >= 0 && i < counts.length) counts[i] = Number(r.n);
  }
  return {
    granularity,
    fromMs,
    toMs,
    asOfMs: plan.asOfMs,
    buckets,
    series: adIds.map((adId) => {
      const counts = rows.get(adId) ?? [];
      return { adId, counts, total: counts.reduce((a, b) => a + b, 0) };
    }),
  };
}
