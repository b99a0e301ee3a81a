// The Redis key space for the live windows. Every key carries one hash tag so the Lua scripts
// (which touch many keys atomically) also run on Redis Cluster; the prefix isolates tests.
//
// Contract (the aggregator writes, the query layer reads), for a country c or "*" (all):
//   minuteHash(m, c) HASH ad_id -> clicks in event-time minute m (epoch ms) from c, every ad,
//                    for the MINUTES_KEPT minutes (head - 60 min, head]
//   minute(m, c)     ZSET of the top of minuteHash(m, c): all of it while it has fewer than
//                    TOP_CAP ads; from then on TOP_CAP ads, every other ad of the hash having
//                    no more clicks than the set's lowest score (see live-windows.ts)
//   mc(m)            SET countries with clicks in minute m (to find its per-country keys)
//   bucketHash(b, c), bucket(b, c), bc(b)
//                    the same for the BUCKET_MINUTES minutes from b (aligned to the epoch), kept
//                    while its first minute is
//   meta             HASH head (minute ms), ready ("1" once built), rebuilt_at
//   applied          HASH "<consumer>:<partition>" -> last checkpoint seq applied (idempotency)
// A window of M minutes is the sum of at most BUCKET_MINUTES - 1 minute sets and the buckets
// after them (60 minutes: at most 16 sets); live-reads.ts answers top N over that sum exactly
// without materializing it. Keeping only the top of a set sorted is what makes a click cheap to
// apply: an increment of a hash field, and a sorted-set update only for the few ads near the top
// (a big sorted set pays a skiplist walk of cache misses per increment). Every key expires
// LIVE_TTL_MS after it was created (an hour at most before its last write).

/** Minutes of per-minute sets kept: the longest live window. */
export const MINUTES_KEPT = 60;
export const ALL_COUNTRIES = "*";
/** Ads kept sorted in a minute's or bucket's top (the rest are in its hash only). */
export const TOP_CAP = 4096;
/** Minutes per bucket set: fewer sets per window for reads, two more increments per cell. */
export const BUCKET_MINUTES = 5;
/**
 * Expiry of every live-window key, set when it is created: a stopped aggregator's keys are gone
 * after a day (the next start rebuilds them from Postgres). While it runs, a minute's keys leave
 * the window an hour after they were created and are deleted then; meta (with `ready`) and
 * applied are renewed by every apply.
 */
export const LIVE_TTL_MS = 25 * 60 * 60 * 1000;

export const MINUTE_MS = 60_000;
export const BUCKET_MS = BUCKET_MINUTES * MINUTE_MS;

/**
 * The bucket a minute counts into at this head, or null once that bucket is no longer kept (its
 * first minute has left the kept range, so no window reads it again). The apply script agrees.
 */
export function keptBucketOf(minuteMs: number, headMs: number): number | null {
  const b = minuteMs - (minuteMs % BUCKET_MS);
  return b > headMs - MINUTES_KEPT * MINUTE_MS ? b : null;
}

/**
 * The sets whose sum is the window of `minutes` minutes ending with `headMs`: minute sets up to
 * the first bucket boundary, then whole buckets (the head's bucket has no minute after the head).
 * The read scripts do the same in Lua (lua/window-sets.lua).
 */
export function windowSets(headMs: number, minutes: number): { minutes: number[]; buckets: number[] } {
  const out = { minutes: [] as number[], buckets: [] as number[] };
  let m = headMs - (minutes - 1) * MINUTE_MS;
  for (; m <= headMs && m % BUCKET_MS !== 0; m += MINUTE_MS) out.minutes.push(m);
  for (; m <= headMs; m += BUCKET_MS) out.buckets.push(m);
  return out;
}

export interface RedisKeys {
  tag: string;
  /** The top of minuteHash (every ad while it holds fewer than TOP_CAP). */
  minute(minuteMs: number, country?: string): string;
  /** Clicks of the minute from the country (or all), every ad. */
  minuteHash(minuteMs: number, country?: string): string;
  meta: string;
  applied: string;
  rebuildLock: string;
  /** Set of countries seen per minute, so per-country minute keys can be found for cleanup. */
  minuteCountries(minuteMs: number): string;
  bucket(bucketMs: number, country?: string): string;
  bucketHash(bucketMs: number, country?: string): string;
  bucketCountries(bucketMs: number): string;
}

export function redisKeys(prefix = "ac"): RedisKeys {
  const tag = `{${prefix}}`;
  return {
    tag,
    minute: (m, c = ALL_COUNTRIES) => `${tag}:m:${m}:${c}`,
    minuteHash: (m, c = ALL_COUNTRIES) => `${tag}:mh:${m}:${c}`,
    meta: `${tag}:meta`,
    applied: `${tag}:applied`,
    rebuildLock: `${tag}:rebuild-lock`,
    minuteCountries: (m) => `${tag}:mc:${m}`,
    bucket: (b, c = ALL_COUNTRIES) => `${tag}:b:${b}:${c}`,
    bucketHash: (b, c = ALL_COUNTRIES) => `${tag}:bh:${b}:${c}`,
    bucketCountries: (b) => `${tag}:bc:${b}`,
  };
}
