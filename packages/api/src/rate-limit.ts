// Per-key request limit: a fixed one-minute window counted in Redis (shared by every web
// process), so a key's limit holds however many servers answer it.
import type { Redis } from "ioredis";

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterSec: number;
}

const WINDOW_MS = 60_000;
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

export async function takeRateLimit(
  redis: Redis,
  tag: string,
  keyId: string,
  limitPerMinute: number,
  nowMs = Date.now(),
): Promise<RateLimitResult> {
  const windowStart = Math.floor(nowMs / WINDOW_MS) * WINDOW_MS;
  const counter = `${tag}:rl:${keyId}:${windowStart}`;
  const n = Number(await withRateLimit(redis)[COMMAND](counter, WINDOW_MS * 2));
  const retryAfterSec = Math.max(1, Math.ceil((windowStart + WINDOW_MS - nowMs) / 1000));
  return { allowed: n <= limitPerMinute, remaining: Math.max(0, limitPerMinute - n), retryAfterSec };
}

/** Carried as the cause of a TOO_MANY_REQUESTS error so the HTTP layer can set Retry-After. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterSec: number) {
    super(`rate limit exceeded: retry after ${retryAfterSec} s`);
    this.name = "RateLimitedError";
  }
}
