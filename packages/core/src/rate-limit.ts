// Per-key rate limits as GCRA (the generic cell rate algorithm) with debt: the state is one
// instant per key, its "theoretical arrival time". A request is allowed while the key is at most
// `burstMs` ahead of the clock, and every allowed request moves that instant by its cost, so the
// long-run rate never exceeds the limit while one request may be large (the collector's requests
// carry up to 10,000 events). Pure: the caller keeps the state and passes the clock; the Redis
// script in @adclicks/db decides the same way.

export interface RateDecision {
  allowed: boolean;
  /** The key's next state (unchanged when refused). */
  tatMs: number;
  /** How long until a request would be allowed (0 when allowed). */
  retryAfterMs: number;
}

/** Default tolerance: one second of the key's rate may arrive at once. */
export const DEFAULT_BURST_MS = 1_000;

/** Charges `cost` units (events) at `ratePerSecond` to a key whose state is `tatMs`. */
export function takeRate(
  tatMs: number | undefined,
  nowMs: number,
  cost: number,
  ratePerSecond: number,
  burstMs = DEFAULT_BURST_MS,
): RateDecision {
  const start = tatMs === undefined || tatMs < nowMs ? nowMs : tatMs;
  const ahead = start - nowMs;
  if (ahead > burstMs) return { allowed: false, tatMs: start, retryAfterMs: ahead - burstMs };
  return { allowed: true, tatMs: start + (cost * 1000) / ratePerSecond, retryAfterMs: 0 };
}

/** Whole seconds for a Retry-After header: at least 1, rounded up. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
