// Breakdown of one ad's clicks by country over a range (country is a rollup dimension; with an
// ip / user_id filter the raw archive answers; whole hours from the hourly rollups). Sums equal
// aggregated_count over the same range.
import { sql } from "drizzle-orm";
import { isFinal, planQuery } from "./plan-query";
import { rollupSpan } from "./rollup-span";
import { rawConditions } from "./sql-fragments";
import type { ClickFilter, QueryDeps, QuerySource, TimeRange } from "./types";

export const BREAKDOWN_DIMENSIONS = ["country"] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

export interface CountryBreakdownInput {
  adId: string;
  range: TimeRange;
  dimension?: BreakdownDimension;
  filter?: ClickFilter;
}

export interface CountryBreakdown {
  adId: string;
  dimension: BreakdownDimension;
  rows: { value: string; count: number }[];
  fromMs: number;
  toMs: number;
  asOfMs: number | null;
  final: boolean;
  source: QuerySource;
}

export async function getCountryBreakdown(deps: QueryDeps, input: CountryBreakdownInput): Promise<CountryBreakdown> {
  const filter = input.filter ?? {};
  const plan = await planQuery(deps, input.range, filter);
  const query =
    plan.source === "raw"
      ? sql`select country as value, count(*)::bigint as n from raw_clicks
            where ad_id = ${input.adId} and ${rawConditions(plan.range, filter)}
            group by country order by n desc, country collate "C"`
      : sql`select country as value, sum(clicks)::bigint as n
              from ${rollupSpan(plan.range, filter, { adIds: [input.adId], byCountry: true })}
            group by country having sum(clicks) > 0 order by n desc, country collate "C"`;
  const res = await deps.db.execute<{ value: string; n: number }>(query);
  return {
    adId: input.adId,
    dimension: input.dimension ?? "country",
    rows: res.rows.map((r) => ({ value: r.value, count: Number(r.n) })),
    fromMs: plan.range.fromMs,
    toMs: plan.range.toMs,
    asOfMs: plan.asOfMs,
    final: isFinal(plan.range, plan.asOfMs),
    source: plan.source,
  };
}
