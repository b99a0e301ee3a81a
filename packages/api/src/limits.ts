// Limits of the API that clients must agree with (the browser's batch link among them): plain
// constants, safe to import from client components.

/**
 * Calls per tRPC batch request. A dashboard page batches the few queries it refreshes together
 * (today two or three); a batch is one request doing many requests' work, so it is capped.
 */
export const MAX_BATCH_SIZE = 16;

/**
 * Requests (procedure calls) per minute of one signed-in user. A dashboard tab refreshes a few
 * queries every 5 s (about 36 calls a minute with three panels), the ops view one: ten tabs of
 * the busiest page stay under 400. The limit stops a script, not a person with many tabs.
 */
export const DEFAULT_USER_RATE_LIMIT_PER_MINUTE = 1_200;
