// Clicks per bucket (minute or hour) summed over every ad of a scope: the overview's chart of
// "all my ads" and its totals. Rollups answer it (hour buckets: whole hours from the hourly
// rollups, see rollup-span.ts); the raw archive does with an ip / user_id filter.
import { sql } from "drizzle-orm";
import type { Granularity } from "./get-click-series";
import { rollupSpan } from "./rollup-span";
import { bucketOf, rawConditions, rollupConditions } from "./sql-fragments";
import {
  type AdScope,
  type ClickFilter,
  HOUR_MS,
  hasRawFilter,
  MINUTE_MS,
  type QueryDeps,
  type ResolvedRange,
} from "./types";

export interface ScopeSeriesInput {
  range: ResolvedRange;
  granularity: Granularity;
  filter: ClickFilter;
  scope: AdScope;
}

export interface ScopeSeries {
  /** Bucket starts: from the range start rounded down to the step, up to the range end. */
  bucketsMs: number[];
  counts: number[];
  total: number;
}

export const stepOf = (g: Granularity) => (g === "minute" ? MINUTE_MS : HOUR_MS);

/** Bucket starts covering [fromMs, toMs) at a step (the first bucket may start before fromMs). */
export function bucketStarts(range: ResolvedRange, step: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(range.fromMs / step) * step; t < range.toMs; t += step) out.push(t);
  return out;
}

export async function getScopeSeries(deps: Pick<QueryDeps, "db">, input: ScopeSeriesInput): Promise<ScopeSeries> {
  const { range, filter, scope } = input;
  // Rollup minutes are minute-aligned already: grouped as they are.
  const query = hasRawFilter(filter)
    ? sql`select ${bucketOf(sql`ts`, input.granularity)} as bucket, count(*)::bigint as n from raw_clicks
          where ${rawConditions(range, filter, { scope })} group by 1`
    : input.granularity === "hour"
      ? sql`select ${bucketOf(sql`t`, "hour")} as bucket, sum(clicks)::bigint as n
              from ${rollupSpan(range, filter, { scope })} group by 1`
      : sql`select minute as bucket, sum(clicks)::bigint as n from click_rollups
              where ${rollupConditions(range, filter, { scope })} group by 1`;
  const res = await deps.db.execute<{ bucket: Date; n: number }>(query);
  const step = stepOf(input.granularity);
  const bucketsMs = bucketStarts(range, step);
  const first = bucketsMs[0] ?? range.fromMs;
  const counts = new Array<number>(bucketsMs.length).fill(0);
  let total = 0;
  for (const r of res.rows) {
    const i = Math.round((new Date(r.bucket).getTime() - first) / step);
    if (i < 0 || i >= counts.length) continue;
    counts[i] = Number(r.n);
    total += Number(r.n);
  }
  return { bucketsMs, counts, total };
}
