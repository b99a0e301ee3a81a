// Unit tests of the live-window key plan: which minute and bucket sets add up to a window ending
// with the reader's clock minute, with or without minutes after it in the store.
import { describe, expect, test } from "vitest";
import { isLiveWindow } from "./live-reads";
import { BUCKET_MINUTES, KEPT_MARGIN_MINUTES, keptBucketOf, keptFrom, MINUTES_KEPT, windowSets } from "./redis-keys";

const MIN = 60_000;
const B = BUCKET_MINUTES * MIN;

describe("windowSets", () => {
  test("for every end offset, every M ≤ 60, minutes after the end or not: exactly the window's minutes", () => {
    const base = Date.UTC(2026, 0, 5, 12, 0);
    for (let offset = 0; offset < BUCKET_MINUTES; offset++) {
      const end = base + offset * MIN;
      // The newest minute with data: the end itself, or minutes after it (clicks stamped ahead).
      for (const head of [end, end + MIN, end + 5 * MIN, undefined]) {
        for (let m = 1; m <= MINUTES_KEPT; m++) {
          const sets = windowSets(end, m, head);
          const covered = [
            ...sets.minutes,
            ...sets.buckets.flatMap((b) => Array.from({ length: BUCKET_MINUTES }, (_, i) => b + i * MIN)),
          ]
            // minutes after the head hold nothing; every other minute a set covers is counted
            .filter((x) => head === undefined || x <= head)
            .sort((a, b) => a - b);
          const window = Array.from({ length: m }, (_, i) => end - (m - 1 - i) * MIN);
          // Without a head, a bucket reaching past the end is never read.
          const exact = head === undefined ? covered.filter((x) => x <= end) : covered;
          expect({ offset, head, m, covered: exact }).toEqual({ offset, head, m, covered: window });
          if (head === undefined) expect(covered).toEqual(window);
          expect(sets.buckets.every((b) => b % B === 0)).toBe(true);
          expect(sets.minutes.length).toBeLessThan(2 * BUCKET_MINUTES);
          expect(sets.minutes.length + sets.buckets.length).toBeLessThanOrEqual(Math.floor(m / BUCKET_MINUTES) + 8);
          if (m === MINUTES_KEPT) expect(sets.minutes.length + sets.buckets.length).toBeLessThanOrEqual(16);
        }
      }
    }
  });

  test("the bucket holding the end is read only when nothing after the end is in it", () => {
    const end = Date.UTC(2026, 0, 5, 12, 3); // its bucket, 12:00-12:04, also holds 12:04
    const bucket = end - 3 * MIN;
    expect(windowSets(end, 1, end)).toEqual({ minutes: [end], buckets: [] });
    expect(windowSets(end, 4, end)).toEqual({ minutes: [], buckets: [bucket] });
    expect(windowSets(end, 6, end)).toEqual({ minutes: [end - 5 * MIN, end - 4 * MIN], buckets: [bucket] });
    // 12:04 has clicks (stamped ahead of the clock): the bucket would count them.
    expect(windowSets(end, 4, end + MIN)).toEqual({
      minutes: [bucket, bucket + MIN, bucket + 2 * MIN, end],
      buckets: [],
    });
    expect(windowSets(end, 6, end + MIN)).toEqual({
      minutes: [end - 5 * MIN, end - 4 * MIN, bucket, bucket + MIN, bucket + 2 * MIN, end],
      buckets: [],
    });
    // An end on a bucket's last minute reads the whole bucket whatever comes after.
    expect(windowSets(end + MIN, 5, end + 10 * MIN)).toEqual({ minutes: [], buckets: [bucket] });
  });

  test("the kept range follows the writers' clock: an hour and a margin; buckets while their first minute is", () => {
    const clock = Date.UTC(2026, 0, 5, 12, 3);
    expect(keptFrom(clock)).toBe(clock - (MINUTES_KEPT + KEPT_MARGIN_MINUTES - 1) * MIN);
    expect(keptBucketOf(clock, clock)).toBe(clock - 3 * MIN);
    expect(keptBucketOf(clock + 30 * MIN, clock)).toBe(clock + 27 * MIN);
    // Kept minutes are 11:03..: 11:04's bucket starts at 11:00, outside; 11:05 starts one.
    expect(keptBucketOf(clock - 59 * MIN, clock)).toBeNull();
    expect(keptBucketOf(clock - 58 * MIN, clock)).toBe(clock - 58 * MIN);
  });
});

test("every whole M from 1 to 60 minutes is a Redis window, nothing else", () => {
  expect(Array.from({ length: 60 }, (_, i) => i + 1).every(isLiveWindow)).toBe(true);
  expect([0, 1.5, 61, 1440].some(isLiveWindow)).toBe(false);
});
