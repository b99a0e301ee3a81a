// popular_ads: the exact top N ads by clicks over a range, ties broken by ad_id (byte order),
// within the caller's scope. Every store orders the same way, so answers are equal.
import { sql } from "drizzle-orm";
import type { ChainableCommander, Redis } from "ioredis";
import { isFinal, planQuery } from "./plan-query";
import { rawConditions, rollupConditions, textArray } from "./sql-fragments";
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

export interface AdCount {
  adId: string;
  count: number;
}

export interface PopularAds {
  ads: AdCount[];
  fromMs: number;
  toMs: number;
  asOfMs: number | null;
  final: boolean;
  source: QuerySource;
}

/** Count desc, then ad_id ascending by UTF-16 code unit (= byte order for ad ids, which are ASCII). */
export function compareAdCounts(a: AdCount, b: AdCount): number {
  if (a.count !== b.count) return b.count - a.count;
  return a.adId < b.adId ? -1 : a.adId > b.adId ? 1 : 0;
}

// Atomic tie-aware top N of one sorted set. ZREVRANGE alone would order equal scores by member
// descending and cut a tie group arbitrarily at N; instead take everything scoring above the
// N-th score, then the lexicographically smallest members *at* that score (ZRANGEBYSCORE orders
// equal scores by member ascending). Bounded: at most N members come back.
const TOP_N_SCRIPT = `
local key = KEYS[1]
local n = tonumber(ARGV[1])
local head = redis.call('ZREVRANGE', key, 0, n - 1, 'WITHSCORES')
if #head < 2 * n then return head end
local nth = head[2 * n]
local above = redis.call('ZRANGEBYSCORE', key, '(' .. nth, '+inf', 'WITHSCORES')
local ties = redis.call('ZRANGEBYSCORE', key, nth, nth, 'WITHSCORES', 'LIMIT', 0, n - math.floor(#above / 2))
for i = 1, #ties do above[#above + 1] = ties[i] end
return above
`;

function pairsToCounts(flat: string[]): AdCount[] {
  const out: AdCount[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const count = Number(flat[i + 1]);
    // A window member can sit at 0 after its minutes slid out; absent and zero are the same.
    if (count > 0) out.push({ adId: flat[i] as string, count });
  }
  return out;
}

function topNFromReply(reply: unknown, n: number): AdCount[] {
  return pairsToCounts(reply as string[])
    .sort(compareAdCounts)
    .slice(0, n);
}

/** Top N of one window sorted set, every ad. */
export async function topNFromRedis(redis: Redis, key: string, n: number): Promise<AdCount[]> {
  return topNFromReply(await redis.eval(TOP_N_SCRIPT, 1, key, n), n);
}

/** Top N of one window sorted set among the given ads (a scoped caller's catalogue). */
export async function topNOfAdsFromRedis(redis: Redis, key: string, adIds: readonly string[], n: number) {
  const counts: AdCount[] = [];
  const CHUNK = 1000;
  for (let i = 0; i < adIds.length; i += CHUNK) {
    const ids = adIds.slice(i, i + CHUNK);
    const scores = await redis.zmscore(key, ...ids);
    ids.forEach((adId, j) => {
      const c = Number(scores[j] ?? 0);
      if (c > 0) counts.push({ adId, count: c });
    });
  }
  return counts.sort(compareAdCounts).slice(0, n);
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
  const windowKey = input.range.kind === "last" ? deps.redisKeys.window(input.range.minutes, filter.country) : "";
  // Every ad: the tie-aware top N runs inside the same MULTI as the meta read (one round trip).
  const probe =
    scope.kind === "all" ? (m: ChainableCommander) => m.eval(TOP_N_SCRIPT, 1, windowKey, input.n) : undefined;
  const plan = await planQuery(deps, input.range, filter, { probe });
  let ads: AdCount[];
  if (plan.source === "redis") {
    ads =
      scope.kind === "all"
        ? topNFromReply(plan.probed[0], input.n)
        : await topNOfAdsFromRedis(deps.redis, windowKey, await scopedAdIds(deps, scope.advertiserIds), input.n);
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
