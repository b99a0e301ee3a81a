// The Redis key space for the live windows. Every key carries one hash tag so the Lua scripts
// (which touch many keys atomically) also run on Redis Cluster; the prefix isolates tests.
//
// Contract (the aggregator writes, the query layer reads), for a country c or "*" (all):
//   minuteHash(m, c) HASH ad_id -> clicks in event-time minute m (epoch ms) from c, every ad,
//                    for every minute from keptFrom(meta's clock) on, minutes ahead of the
//                    clock included (clicks stamped within the allowed skew, or records a
//                    producer stamped ahead): they are counted once the clock reaches them
//   minute(m, c)     ZSET of the top of minuteHash(m, c): all of it while it has fewer than
//                    TOP_CAP ads; from then on TOP_CAP ads, every other ad of the hash having
//                    no more clicks than the set's lowest score (see live-windows.ts)
//   mc(m)            SET countries with clicks in minute m (to find its per-country keys)
//   bucketHash(b, c), bucket(b, c), bc(b)
//                    the same for the BUCKET_MINUTES minutes from b (aligned to the epoch), kept
//                    while its first minute is
//   meta             HASH head (the newest minute with data), clock (the newest writer's clock,
//                    a minute), ready ("1" once built), rebuilt_at
//   applied          HASH "<consumer>:<partition>" -> last checkpoint seq applied (idempotency)
// "The last M minutes" are the M minutes ending with the reader's clock minute (the open minute
// included), never with the data's newest minute: a click stamped ahead cannot move a window.
// Such a window is the sum of at most BUCKET_MINUTES - 1 minute sets, the whole buckets after
// them, and — when the bucket holding the window's end may hold minutes after it — that
// bucket's minutes up to the end (60 minutes: at most 16 sets; see windowSets); live-reads.ts
// answers top N over that sum exactly without materializing it. Keeping only the top of a set
// sorted is what makes a click cheap to apply: an increment of a hash field, and a sorted-set
// update only for the few ads near the top (a big sorted set pays a skiplist walk of cache
// misses per increment). Every key expires LIVE_TTL_MS after it was created (an hour at most
// before its last write).

/** The longest live window, in minutes. */
export const MINUTES_KEPT = 60;
/**
 * Minutes kept beyond the longest window: a reader whose clock is up to this much behind the
 * writers' still finds its window's first minute (a window reaching further goes to Postgres).
 */
export const KEPT_MARGIN_MINUTES = 1;
export const ALL_COUNTRIES = "*";
/** Ads kept sorted in a minute's or bucket's top (the rest are in its hash only). */
export const TOP_CAP = 4096;
/** Minutes per bucket set: fewer sets per window for reads, two more increments per cell. */
export const BUCKET_MINUTES = 5;
/**
 * Expiry of every live-window key, set when it is created: a stopped aggregator's keys are gone
 * after a day (the next start rebuilds them from Postgres). While it runs, a minute's keys leave
 * the kept range an hour after its minute and are deleted then; meta (with `ready`) and applied
 * are renewed by every apply.
 */
export const LIVE_TTL_MS = 25 * 60 * 60 * 1000;

export const MINUTE_MS = 60_000;
export const BUCKET_MS = BUCKET_MINUTES * MINUTE_MS;
const KEPT_MS = (MINUTES_KEPT + KEPT_MARGIN_MINUTES) * MINUTE_MS;

/** The first minute kept at a writer's clock minute: minutes before it have left every window. */
export function keptFrom(clockMs: number): number {
  return clockMs - KEPT_MS + MINUTE_MS;
}

/**
 * The bucket a minute counts into at this clock, or null once that bucket is no longer kept (its
 * first minute has left the kept range, so no window reads it again). The apply script agrees.
 */
export function keptBucketOf(minuteMs: number, clockMs: number): number | null {
  const b = minuteMs - (minuteMs % BUCKET_MS);
  return b >= keptFrom(clockMs) ? b : null;
}

/**
 * The sets whose sum is the window of `minutes` minutes ending with the minute `endMs`: minute
 * sets up to the first bucket boundary, then whole buckets; the bucket holding `endMs` only if it
 * holds no minute after it (`endMs` is its last minute, or `headMs`, the newest minute with data,
 * is not after it), else that bucket's minutes up to `endMs`. Without a head, the conservative
 * choice. The read scripts do the same in Lua (lua/window-sets.lua).
 */
export function windowSets(
  endMs: number,
  minutes: number,
  headMs = Number.POSITIVE_INFINITY,
): { minutes: number[]; buckets: number[] } {
  const out = { minutes: [] as number[], buckets: [] as number[] };
  let m = endMs - (minutes - 1) * MINUTE_MS;
  for (; m <= endMs && m % BUCKET_MS !== 0; m += MINUTE_MS) out.minutes.push(m);
  for (; m <= endMs && (m + BUCKET_MS - MINUTE_MS <= endMs || headMs <= endMs); m += BUCKET_MS) out.buckets.push(m);
  for (; m <= endMs; m += MINUTE_MS) out.minutes.push(m);
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
