// Wall-clock time, passed in: the process gives the units the system clock, tests a fake one,
// so nothing in a unit reads Date.now() itself.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
