// MinuteCounts: cells per (minute, country, ad), and the grouped format the Redis outbox uses.
import { describe, expect, test } from "vitest";
import { MinuteCounts } from "./counts";

const M = 60_000;

function cells(c: MinuteCounts) {
  return [...c.deltas()].sort(
    (a, b) => a.minute - b.minute || a.country.localeCompare(b.country) || a.adId.localeCompare(b.adId),
  );
}

describe("MinuteCounts", () => {
  test("sums clicks per cell and counts distinct cells", () => {
    const c = new MinuteCounts();
    c.add(M, "US", "a");
    c.add(M, "US", "a", 2);
    c.add(M, "DE", "a");
    c.add(2 * M, "US", "b");
    expect(c.clicks).toBe(5);
    expect(c.size).toBe(3);
    expect(c.minutes()).toEqual([M, 2 * M]);
  });

  test("grouped() round-trips through addGrouped(), and merging adds cell by cell", () => {
    const a = new MinuteCounts();
    a.add(M, "US", "x", 3);
    a.add(M, "US", "y", 1);
    a.add(2 * M, "FR", "x", 2);
    expect(a.grouped()).toEqual([M, "US", 2, "x", 3, "y", 1, 2 * M, "FR", 1, "x", 2]);
    const b = new MinuteCounts();
    b.add(M, "US", "x", 1);
    b.addGrouped(a.grouped());
    expect(cells(b)).toEqual([
      { minute: M, country: "US", adId: "x", clicks: 4 },
      { minute: M, country: "US", adId: "y", clicks: 1 },
      { minute: 2 * M, country: "FR", adId: "x", clicks: 2 },
    ]);
  });

  test("addGrouped() refuses a truncated or mistyped array", () => {
    expect(() => new MinuteCounts().addGrouped([M, "US", 2, "x", 3])).toThrow(/malformed grouped counts at index 0/);
    expect(() => new MinuteCounts().addGrouped([M, "US", 1, "x", "3"])).toThrow(/malformed grouped cell at index 3/);
    expect(() => new MinuteCounts().addGrouped(["1", "US", 0])).toThrow(/malformed/);
  });
});
