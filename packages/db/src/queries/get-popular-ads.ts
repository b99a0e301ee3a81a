// popular_ads: the exact top N ads by clicks over a range, ties broken by ad_id (byte order),
// within the caller's scope. Every store orders the same way, so answers are equal. A range of
// the rollups with whole hours is answered from the hourly rollups (top-over-hours.ts); ip /
// user_id filters count the raw archive, whatever the range.
import { type AdCount, topN } from "@adclicks/core";
import { sql } from "drizzle-orm";
import { isFinal, planQuery } from "./plan-query";
import { hasWholeHours, splitHours } from "./rollup-span";
import { rawConditions, rollupConditions, textArray } from "./sql-fragments";
import { topOverHours } from "./top-over-hours";
import {
  type AdScope,
  type ClickFilter,
  MAX_TOP_N,
  type QueryDeps,
  QueryInputError,
  type QuerySource,
  type TimeRange,
} from "./types";

export interface PopularAdsInput {
  n: number;
  range: TimeRange;
  filter?: ClickFilter;
  scope?: AdScope;
}

export type { AdCount } from "@adclicks/core";

export interface PopularAds {
  ads: AdCount[];
  fromMs: number;
  toMs: number;
  asOfMs: number | null;
  final: boolean;
  source: QuerySource;
}

async function scopedAdIds(deps: QueryDeps, advertiserIds: readonly string[]): Promise<string[]> {
  const res = await deps.db.execute<{ id: string }>(
    sql`select id from ads where advertiser_id = any(${textArray(advertiserIds)})`,
  );
  return res.rows.map((r) => r.id);
}

export async function getPopularAds(deps: QueryDeps, input: PopularAdsInput): Promise<PopularAds> {
  if (!(Number.isInteger(input.n) && input.n >= 1 && input.n <= MAX_TOP_N)) {
    throw new QueryInputError("count", `must be a whole number from 1 to ${MAX_TOP_N}`);
  }
  const filter = input.filter ?? {};
  const scope: AdScope = input.scope ?? { kind: "all" };
  const { range } = input;
  // Every ad: the exact top N of the live windows; a scope: the counts of its ads there.
  const plan = await planQuery<AdCount[]>(deps, range, filter, {
    live: async (live, w) => {
      if (scope.kind === "all") return live.topN(w, input.n);
      const counts = await live.counts(w, await scopedAdIds(deps, scope.advertiserIds));
      return counts && topN(counts, input.n);
    },
  });
  let ads: AdCount[];
  const split = splitHours(plan.range);
  if (plan.source === "redis") {
    ads = plan.live;
  } else if (plan.source === "rollups" && hasWholeHours(split)) {
    const candidates = scope.kind === "all" ? null : await scopedAdIds(deps, scope.advertiserIds);
    ads = await topOverHours(deps, split, input.n, filter, candidates);
  } else {
    const query =
      plan.source === "rollups"
        ? sql`select ad_id, sum(clicks)::bigint as n from click_rollups
              where ${rollupConditions(plan.range, filter, { scope })}
              group by ad_id having sum(clicks) > 0
              order by n desc, ad_id collate "C" asc limit ${input.n}`
        : sql`select ad_id, count(*)::bigint as n from raw_clicks
              where ${rawConditions(plan.range, filter, { scope })}
              group by ad_id
              order by n desc, ad_id collate "C" asc limit ${input.n}`;
    const res = await deps.db.execute<{ ad_id: string; n: number }>(query);
    ads = res.rows.map((r) => ({ adId: r.ad_id, count: Number(r.n) }));
  }
  return {
    ads,
    fromMs: plan.range.fromMs,
    toMs: plan.range.toMs,
    asOfMs: plan.asOfMs,
    final: isFinal(plan.range, plan.asOfMs),
    source: plan.source,
  };
}
