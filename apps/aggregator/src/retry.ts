// Retrying an operation with capped exponential backoff (100 ms doubling up to 5 s): the worker's
// Postgres, Kafka admin and dead-letter calls. Never gives up while the worker runs; once it is
// stopping, after a few attempts. Each failure is counted and logged with its stack.
import type { Logger } from "pino";
import type { AggregatorMetrics } from "./metrics";

/** Runs an operation until it succeeds (or the worker is stopping and it failed a few times). */
export type Retry = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

/** Attempts made once stopping before a failure is passed on. */
export const STOPPING_ATTEMPTS = 4;

/** The wait before retry number `attempt + 1`. */
export function backoffMs(attempt: number): number {
  return Math.min(100 * 2 ** attempt, 5_000);
}

export interface RetryOptions {
  stopping(): boolean;
  metrics: Pick<AggregatorMetrics, "checkpointFailures">;
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createRetry(opts: RetryOptions): Retry {
  const wait = opts.sleep ?? sleep;
  return async (what, fn) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (opts.stopping() && attempt >= STOPPING_ATTEMPTS - 1) throw err;
        opts.metrics.checkpointFailures.inc({ kind: what });
        const delay = backoffMs(attempt);
        opts.log.warn({ err, attempt, delay }, `${what} failed; retrying`);
        await wait(delay);
      }
    }
  };
}
