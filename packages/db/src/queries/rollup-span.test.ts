// Unit tests of the split of a range into whole hours and partial edge hours, and of how each
// edge is counted.
import { expect, test } from "vitest";
import { edgeHours, edgeReads, splitHours } from "./rollup-span";
import { HOUR_MS, MINUTE_MS } from "./types";

const H = Date.UTC(2026, 0, 5, 10, 0);

test("whole hours inside, minute edges outside, each edge within one hour", () => {
  const range = { fromMs: H - 7 * MINUTE_MS, toMs: H + 3 * HOUR_MS + 20 * MINUTE_MS };
  const split = splitHours(range);
  expect(split.hours).toEqual({ fromMs: H, toMs: H + 3 * HOUR_MS });
  expect(split.edges).toEqual([
    { fromMs: H - 7 * MINUTE_MS, toMs: H },
    { fromMs: H + 3 * HOUR_MS, toMs: H + 3 * HOUR_MS + 20 * MINUTE_MS },
  ]);
  expect(edgeHours(split)).toEqual([H - HOUR_MS, H + 3 * HOUR_MS]);
});

test("aligned ranges have no edges; ranges without a whole hour are all edge", () => {
  expect(splitHours({ fromMs: H, toMs: H + 2 * HOUR_MS })).toEqual({
    hours: { fromMs: H, toMs: H + 2 * HOUR_MS },
    edges: [],
  });
  const short = { fromMs: H + 30 * MINUTE_MS, toMs: H + 90 * MINUTE_MS };
  expect(splitHours(short)).toEqual({ hours: null, edges: [short] });
});

test("an edge of at most half its hour is read as minutes; a longer one as its hour less the rest", () => {
  const split = splitHours({ fromMs: H - 7 * MINUTE_MS, toMs: H + 3 * HOUR_MS + 38 * MINUTE_MS });
  expect(edgeReads(split)).toEqual([
    { kind: "minutes", range: { fromMs: H - 7 * MINUTE_MS, toMs: H } },
    {
      kind: "hour-less",
      hourMs: H + 3 * HOUR_MS,
      outside: [{ fromMs: H + 3 * HOUR_MS + 38 * MINUTE_MS, toMs: H + 4 * HOUR_MS }],
    },
  ]);
  // A range within one hour, away from both ends: the outside is on both sides.
  const inner = { fromMs: H + 5 * MINUTE_MS, toMs: H + 50 * MINUTE_MS };
  expect(edgeReads(splitHours(inner))).toEqual([
    {
      kind: "hour-less",
      hourMs: H,
      outside: [
        { fromMs: H, toMs: H + 5 * MINUTE_MS },
        { fromMs: H + 50 * MINUTE_MS, toMs: H + HOUR_MS },
      ],
    },
  ]);
  // One edge across two hours (no whole hour in the range): its minutes.
  const across = { fromMs: H + 30 * MINUTE_MS, toMs: H + 90 * MINUTE_MS };
  expect(edgeReads(splitHours(across))).toEqual([{ kind: "minutes", range: across }]);
});
