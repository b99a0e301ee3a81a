// aggregated_count: clicks of one ad over a range (last M minutes or [from, to)), optionally
// filtered by country, ip, user_id. Redis answers live windows; Postgres everything else: the
// hourly rollups for whole hours plus the minute rollups at the edges, or with an ip / user_id
// filter the raw archive.
import { sql } from "drizzle-orm";
import { isFinal, planQuery } from "./plan-query";
import { rollupSpan } from "./rollup-span";
import { rawConditions } from "./sql-fragments";
import type { ClickFilter, QueryDeps, QuerySource, TimeRange } from "./types";

export interface AggregatedCountInput {
  adId: string;
  range: TimeRange;
  filter?: ClickFilter;
}

export interface AggregatedCount {
  adId: string;
  count: number;
  fromMs: number;
  toMs: number;
  asOfMs: number | null;
  /** Every minute of the range is final. */
  final: boolean;
  source: QuerySource;
}

export async function getAggregatedCount(deps: QueryDeps, input: AggregatedCountInput): Promise<AggregatedCount> {
  const filter = input.filter ?? {};
  const { range } = input;
  const plan = await planQuery<number>(deps, range, filter, {
    live: async (live, w) => {
      const counts = await live.counts(w, [input.adId]);
      return counts && (counts.get(input.adId) ?? 0);
    },
  });
  let count: number;
  if (plan.source === "redis") {
    count = plan.live;
  } else if (plan.source === "rollups") {
    const res = await deps.db.execute<{ n: number | null }>(
      sql`select sum(clicks)::bigint as n from ${rollupSpan(plan.range, filter, { adIds: [input.adId] })}`,
    );
    count = Number(res.rows[0]?.n ?? 0);
  } else {
    const res = await deps.db.execute<{ n: number }>(
      sql`select count(*)::bigint as n from raw_clicks where ad_id = ${input.adId} and ${rawConditions(plan.range, filter)}`,
    );
    count = Number(res.rows[0]?.n ?? 0);
  }
  return {
    adId: input.adId,
    count,
    fromMs: plan.range.fromMs,
    toMs: plan.range.toMs,
    asOfMs: plan.asOfMs,
    final: isFinal(plan.range, plan.asOfMs),
    source: plan.source,
  };
}
