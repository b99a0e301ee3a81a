// The Redis key space for the live windows. Every key carries one hash tag so the Lua scripts
// (which touch many keys atomically) also run on Redis Cluster; the prefix isolates tests.
//
// Contract (the aggregator writes, the query layer reads):
//   minute(m, c)   ZSET ad_id -> clicks in event-time minute m (epoch ms), country c or "*",
//                  for the MINUTES_KEPT minutes (head - 60 min, head]
//   mc(m)          SET countries with clicks in minute m (to find its per-country sets)
//   meta           HASH head (minute ms), ready ("1" once built), rebuilt_at
//   applied        HASH "<consumer>:<partition>" -> last checkpoint seq applied (idempotency)
// A window of M minutes is the sum of its M minute sets; live-reads.ts answers top-N over it
// exactly without materializing that sum. Every key expires LIVE_TTL_MS after its last write.

/** Minutes of per-minute sets kept: the longest live window. */
export const MINUTES_KEPT = 60;
export const ALL_COUNTRIES = "*";
/**
 * Expiry of every live-window key, renewed on each write: a stopped aggregator's keys are gone
 * after a day (the next start rebuilds them from Postgres). While it runs, each minute in the
 * window was written within about an hour, and meta (with `ready`) is renewed by every apply.
 */
export const LIVE_TTL_MS = 25 * 60 * 60 * 1000;

export interface RedisKeys {
  tag: string;
  minute(minuteMs: number, country?: string): string;
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
    meta: `${tag}:meta`,
    applied: `${tag}:applied`,
    rebuildLock: `${tag}:rebuild-lock`,
    minuteCountries: (m) => `${tag}:mc:${m}`,
  };
}
