// Exact top-N: ordering, ties, and the reduce step over partial results (hot-ad splits).
import { describe, expect, test } from "vitest";
import { mergeDisjointTopN, reduceTopN, topN } from "./top-n";

describe("topN", () => {
  test("orders by count desc, then ad_id asc for ties", () => {
    const counts = new Map([
      ["b", 5],
      ["a", 5],
      ["c", 9],
      ["d", 1],
    ]);
    expect(topN(counts, 3)).toEqual([
      { adId: "c", count: 9 },
      { adId: "a", count: 5 },
      { adId: "b", count: 5 },
    ]);
  });

  test("ties at the cut are broken by ad_id, deterministically", () => {
    const counts = new Map([
      ["z", 2],
      ["y", 2],
      ["x", 2],
    ]);
    expect(topN(counts, 2).map((a) => a.adId)).toEqual(["x", "y"]);
    expect(topN(counts, 0)).toEqual([]);
  });

  test("zero counts are not ads anyone clicked", () => {
    expect(topN(new Map([["a", 0]]), 5)).toEqual([]);
  });
});

describe("reduce", () => {
  test("an ad split across aggregate nodes is summed before ranking (hot-ad splitting)", () => {
    // 'hot' has 4+4+4 = 12 over three nodes; no single node would rank it above 'warm' (10).
    const nodes = [
      new Map([
        ["hot", 4],
        ["warm", 10],
      ]),
      new Map([
        ["hot", 4],
        ["cold", 1],
      ]),
      new Map([["hot", 4]]),
    ];
    expect(reduceTopN(nodes, 2)).toEqual([
      { adId: "hot", count: 12 },
      { adId: "warm", count: 10 },
    ]);
  });

  test("partial top-Ns of nodes owning disjoint ads merge into the exact global top N", () => {
    const a = topN(
      new Map([
        ["a1", 7],
        ["a2", 3],
      ]),
      2,
    );
    const b = topN(
      new Map([
        ["b1", 5],
        ["b2", 7],
      ]),
      2,
    );
    expect(mergeDisjointTopN([a, b], 3)).toEqual([
      { adId: "a1", count: 7 },
      { adId: "b2", count: 7 },
      { adId: "b1", count: 5 },
    ]);
  });
});
