// Per-ingest-key rate limits shared by every collector process: the GCRA state of each key
// (@adclicks/core takeRate) kept in Redis and updated by one script call per request. When Redis
// does not answer in time the process decides alone from a local copy of the same state, so
// ingest goes on (each process then allows the key's whole rate: the limit is per process until
// Redis is back).
import { DEFAULT_BURST_MS, takeRate } from "@adclicks/core";
import type { Redis } from "ioredis";

// Same decision as takeRate, atomically: ARGV now ms, cost ms, burst ms. Returns {allowed, wait ms}.
const TAKE_LUA = `
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local ahead = tat - now
if ahead > burst then return {0, math.ceil(ahead - burst)} end
local nxt = tat + cost
redis.call('SET', KEYS[1], string.format('%.3f', nxt), 'PX', string.format('%d', math.ceil(nxt - now) + burst))
return {1, 0}
`;

const COMMAND = "adclicksIngestRateTake";
type WithTake = Redis & {
  [COMMAND](key: string, now: number, costMs: number, burstMs: number): Promise<[number, number]>;
};
const defined = new WeakSet<Redis>();
const LOCAL_MAX_KEYS = 10_000;

export interface IngestRateLimiterOptions {
  /** Absent: every decision is local to this process. */
  redis?: Redis;
  /** The Redis hash tag of this deployment (`redisKeys(prefix).tag`). */
  tag: string;
  burstMs?: number;
  /** How long to wait for Redis before deciding locally. */
  timeoutMs?: number;
  now?: () => number;
  /** Redis trouble (the decision was made locally). */
  onError?: (err: unknown) => void;
}

export interface IngestRateDecision {
  allowed: boolean;
  /** How long until the key may send again (0 when allowed). */
  retryAfterMs: number;
  /** false when Redis did not answer and this process decided alone. */
  shared: boolean;
}

export interface IngestRateLimiter {
  /** Charges `events` to the key, limited to `eventsPerSecond`. */
  take(keyId: string, events: number, eventsPerSecond: number): Promise<IngestRateDecision>;
}

export function createIngestRateLimiter(opts: IngestRateLimiterOptions): IngestRateLimiter {
  const burstMs = opts.burstMs ?? DEFAULT_BURST_MS;
  const timeoutMs = opts.timeoutMs ?? 100;
  const now = opts.now ?? Date.now;
  const local = new Map<string, number>();
  const redis = opts.redis;
  if (redis && !defined.has(redis)) {
    redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: TAKE_LUA });
    defined.add(redis);
  }

  const decideLocally = (keyId: string, nowMs: number, events: number, rate: number): IngestRateDecision => {
    const d = takeRate(local.get(keyId), nowMs, events, rate, burstMs);
    local.delete(keyId);
    if (local.size >= LOCAL_MAX_KEYS) local.delete(local.keys().next().value as string);
    local.set(keyId, d.tatMs);
    return { allowed: d.allowed, retryAfterMs: d.retryAfterMs, shared: false };
  };

  return {
    async take(keyId, events, eventsPerSecond) {
      const nowMs = now();
      if (!redis) return decideLocally(keyId, nowMs, events, eventsPerSecond);
      const costMs = (events * 1000) / eventsPerSecond;
      let timer: NodeJS.Timeout | undefined;
      try {
        const [allowed, waitMs] = await Promise.race([
          (redis as WithTake)[COMMAND](`${opts.tag}:irl:${keyId}`, nowMs, costMs, burstMs),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        // Keep the local copy roughly current, so a switch to local decisions starts from it.
        if (allowed === 1) local.set(keyId, Math.max(local.get(keyId) ?? 0, nowMs) + costMs);
        return { allowed: allowed === 1, retryAfterMs: Number(waitMs), shared: true };
      } catch (err) {
        opts.onError?.(err);
        return decideLocally(keyId, nowMs, events, eventsPerSecond);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
