// Unit tests of the pure range arithmetic behind every query.
import { describe, expect, test } from "vitest";
import { alignedRange, asOfAt, isFinal, lastMinutesRange } from "./plan-query";
import { MINUTE_MS, QueryInputError } from "./types";

const T = Date.UTC(2026, 0, 5, 10, 0);

describe("ranges", () => {
  test("last M minutes: M whole minutes ending with the clock's (open) minute", () => {
    expect(lastMinutesRange(T, 1)).toEqual({ fromMs: T, toMs: T + MINUTE_MS });
    expect(lastMinutesRange(T, 5)).toEqual({ fromMs: T - 4 * MINUTE_MS, toMs: T + MINUTE_MS });
  });

  test("asOf is never in the future: clamped to the start of the clock's minute", () => {
    expect(asOfAt(T - MINUTE_MS, T + 30_000)).toBe(T - MINUTE_MS);
    expect(asOfAt(T + 5 * MINUTE_MS, T + 30_000)).toBe(T);
    expect(asOfAt(null, T)).toBeNull();
    // A "last M minutes" range holds the open minute, so it is never final.
    expect(isFinal(lastMinutesRange(T, 5), asOfAt(T + 5 * MINUTE_MS, T + 30_000))).toBe(false);
  });

  test("explicit ranges round down to minutes; from must precede to; at most 31 days", () => {
    expect(alignedRange(T + 59_999, T + 3 * MINUTE_MS + 1)).toEqual({ fromMs: T, toMs: T + 3 * MINUTE_MS });
    expect(() => alignedRange(T, T)).toThrow(QueryInputError);
    expect(() => alignedRange(T + 1, T)).toThrow(/from: must be before to/);
    expect(() => alignedRange(T, T + 32 * 86_400_000)).toThrow(/to: the range may span at most 31 days/);
  });

  test("finality needs every minute before asOf", () => {
    expect(isFinal({ fromMs: T, toMs: T + MINUTE_MS }, T + MINUTE_MS)).toBe(true);
    expect(isFinal({ fromMs: T, toMs: T + 2 * MINUTE_MS }, T + MINUTE_MS)).toBe(false);
    expect(isFinal({ fromMs: T, toMs: T + MINUTE_MS }, null)).toBe(false);
  });
});
