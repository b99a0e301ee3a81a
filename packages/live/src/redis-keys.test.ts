// Unit tests of the live-window key plan: which minute and bucket sets add up to a window.
import { describe, expect, test } from "vitest";
import { isLiveWindow } from "./live-reads";
import { BUCKET_MINUTES, keptBucketOf, MINUTES_KEPT, windowSets } from "./redis-keys";

const MIN = 60_000;
const B = BUCKET_MINUTES * MIN;

describe("windowSets", () => {
  test("for every head offset and every M ≤ 60, the sets cover exactly the window's minutes", () => {
    const base = Date.UTC(2026, 0, 5, 12, 0);
    for (let offset = 0; offset < BUCKET_MINUTES; offset++) {
      const head = base + offset * MIN;
      for (let m = 1; m <= MINUTES_KEPT; m++) {
        const sets = windowSets(head, m);
        const covered = [
          ...sets.minutes,
          // a bucket holds its minutes up to the head (none exist after it)
          ...sets.buckets.flatMap((b) => Array.from({ length: BUCKET_MINUTES }, (_, i) => b + i * MIN)),
        ]
          .filter((x) => x <= head)
          .sort((a, b) => a - b);
        expect(covered).toEqual(Array.from({ length: m }, (_, i) => head - (m - 1 - i) * MIN));
        expect(sets.buckets.every((b) => b % B === 0)).toBe(true);
        expect(sets.minutes.length).toBeLessThan(BUCKET_MINUTES);
        expect(sets.minutes.length + sets.buckets.length).toBeLessThanOrEqual(MINUTES_KEPT / BUCKET_MINUTES + 4);
      }
    }
  });

  test("a window never reads a bucket whose first minute is outside it", () => {
    const head = Date.UTC(2026, 0, 5, 12, 3);
    expect(windowSets(head, 1)).toEqual({ minutes: [head], buckets: [] });
    expect(windowSets(head, 4)).toEqual({ minutes: [], buckets: [head - 3 * MIN] });
    expect(windowSets(head, 6)).toEqual({ minutes: [head - 5 * MIN, head - 4 * MIN], buckets: [head - 3 * MIN] });
  });

  test("a minute counts into its bucket only while the bucket's first minute is kept", () => {
    const head = Date.UTC(2026, 0, 5, 12, 3);
    expect(keptBucketOf(head, head)).toBe(head - 3 * MIN);
    // Kept minutes are 11:04..12:03: 11:04's bucket starts at 11:00, outside; 11:05 starts one.
    expect(keptBucketOf(head - 59 * MIN, head)).toBeNull();
    expect(keptBucketOf(head - 58 * MIN, head)).toBe(head - 58 * MIN);
  });
});

test("every whole M from 1 to 60 minutes is a Redis window, nothing else", () => {
  expect(Array.from({ length: 60 }, (_, i) => i + 1).every(isLiveWindow)).toBe(true);
  expect([0, 1.5, 61, 1440].some(isLiveWindow)).toBe(false);
});
