// The Redis key space for the live windows. Every key carries one hash tag so the Lua scripts
// (which touch many keys atomically) also run on Redis Cluster; the prefix isolates tests.
//
// Contract (the aggregator writes, the query layer reads):
//   minute(m, c)   ZSET ad_id -> clicks in event-time minute m (epoch ms), country c or "*"
//   window(M, c)   ZSET ad_id -> clicks over the M minutes (head-M, head], for M in ROLLING_WINDOWS
//   meta           HASH head (minute ms), ready ("1" once built), watermark (ms), rebuilt_at
//   applied        HASH "<consumer>:<partition>" -> last checkpoint seq applied (idempotency)

/** Windows kept as rolling sorted sets, so top-N over them is a single ZREVRANGE. */
export const ROLLING_WINDOWS = [1, 5, 15, 30, 60] as const;
export type RollingWindow = (typeof ROLLING_WINDOWS)[number];
/** Minutes of per-minute sets kept behind the head (the largest rolling window). */
export const MINUTES_KEPT = 60;
export const ALL_COUNTRIES = "*";

export interface RedisKeys {
  tag: string;
  minute(minuteMs: number, country?: string): string;
  window(minutes: number, country?: string): string;
  meta: string;
  applied: string;
  rebuildLock: string;
  /** Set of countries seen per minute, so per-country minute keys can be found for cleanup. */
  minuteCountries(minuteMs: number): string;
}

export function redisKeys(prefix = "ac"): RedisKeys {
  const tag = `{${prefix}}`;
  return {
    tag,
    minute: (m, c = ALL_COUNTRIES) => `${tag}:m:${m}:${c}`,
    window: (w, c = ALL_COUNTRIES) => `${tag}:w:${w}:${c}`,
    meta: `${tag}:meta`,
    applied: `${tag}:applied`,
    rebuildLock: `${tag}:rebuild-lock`,
    minuteCountries: (m) => `${tag}:mc:${m}`,
  };
}
