// Event-time helpers: tumbling one-minute windows. Assigning an event to its window is a pure
// function of its timestamp.
export const MINUTE_MS = 60_000;

/** Start (epoch ms) of the one-minute window containing `ts`. */
export function minuteOf(ts: number): number {
  return ts - (((ts % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
}

export function isoMinute(minuteMs: number): string {
  return new Date(minuteMs).toISOString();
}
