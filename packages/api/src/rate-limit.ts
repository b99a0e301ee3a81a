// Request limits counted in Redis (shared by every web process, so a limit holds however many
// servers answer): fixed windows per partner key, per signed-in user and per sign-in account or
// client address.
import type { Redis } from "ioredis";

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterSec: number;
}

const MINUTE_MS = 60_000;
// INCR and set the expiry on first use in one step, so a crash between them cannot leave an
// immortal counter that blocks the key forever.
const INCR_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;

// A defined command runs as EVALSHA (the script text is sent once per connection, not per
// request); ioredis resends the text by itself if Redis answers NOSCRIPT (restart, SCRIPT FLUSH).
const COMMAND = "adclicksRateLimitIncr";
type WithRateLimit = Redis & { [COMMAND](counter: string, ttlMs: number): Promise<number> };
const defined = new WeakSet<Redis>();

function withRateLimit(redis: Redis): WithRateLimit {
  if (!defined.has(redis)) {
    redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: INCR_SCRIPT });
    defined.add(redis);
  }
  return redis as WithRateLimit;
}

/** The Redis key counting `id`'s events in the fixed window of `windowMs` holding `nowMs`. */
export function windowCounter(tag: string, id: string, windowMs: number, nowMs: number): string {
  return `${tag}:rl:${id}:${Math.floor(nowMs / windowMs) * windowMs}`;
}

/** Counts one event for `id` (any string naming what is limited) in its current window. */
export async function countInWindow(
  redis: Redis,
  tag: string,
  id: string,
  windowMs: number,
  nowMs = Date.now(),
): Promise<{ count: number; retryAfterSec: number }> {
  const windowEnd = (Math.floor(nowMs / windowMs) + 1) * windowMs;
  const counter = windowCounter(tag, id, windowMs, nowMs);
  const count = Number(await withRateLimit(redis)[COMMAND](counter, windowMs * 2));
  return { count, retryAfterSec: Math.max(1, Math.ceil((windowEnd - nowMs) / 1000)) };
}

/** Takes back one event from a window's counter (one that turned out not to count). */
export async function refundRateLimit(redis: Redis, counter: string): Promise<void> {
  // DECR on a key that has expired meanwhile would create an immortal -1: only touch live keys.
  await redis.eval("if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DECR', KEYS[1]) end return 0", 1, counter);
}

/** One request of `id` against `limitPerMinute`, in one-minute windows. */
export async function takeRateLimit(
  redis: Redis,
  tag: string,
  id: string,
  limitPerMinute: number,
  nowMs = Date.now(),
): Promise<RateLimitResult> {
  const { count, retryAfterSec } = await countInWindow(redis, tag, id, MINUTE_MS, nowMs);
  return { allowed: count <= limitPerMinute, remaining: Math.max(0, limitPerMinute - count), retryAfterSec };
}

/** The cause of an error worth retrying later (429, 503): the HTTP layer sets Retry-After from it. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterSec: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "RetryLaterError";
  }
}

/** Carried as the cause of a TOO_MANY_REQUESTS error. */
export class RateLimitedError extends RetryLaterError {
  constructor(retryAfterSec: number) {
    super(`rate limit exceeded: retry after ${retryAfterSec} s`, retryAfterSec);
    this.name = "RateLimitedError";
  }
}
