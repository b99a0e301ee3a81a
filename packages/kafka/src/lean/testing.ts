// Test helpers for the lean replacements' tests (not exported by the package).

/** A seeded random number generator in [0, 1): the same cases on every run. */
export function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** For the tests that compare thousands of cases or start processes: the machine may be shared. */
export const SLOW_TEST_MS = 60_000;
