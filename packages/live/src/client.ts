// The Redis client every process uses for the live windows (and the API's rate limits). Callers
// pass the URL (tests use their own prefix on a shared server); processes get it from their env.
import { Redis } from "ioredis";

export type { Redis } from "ioredis";

export function createRedis(url: string, opts: { lazyConnect?: boolean } = {}): Redis {
  return new Redis(url, {
    lazyConnect: opts.lazyConnect ?? false,
    maxRetriesPerRequest: 2,
    // Off: ioredis auto-pipelining crashes the process on some script replies (results[i] not iterable).
    enableAutoPipelining: false,
    retryStrategy: (times) => Math.min(100 * 2 ** times, 2_000),
  });
}
