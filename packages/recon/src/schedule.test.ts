// The schedule names the previous closed hour and day, and only once they have settled.
import { expect, test } from "vitest";
import { dueRanges } from "./schedule";

const H = 3_600_000;
const day = Date.UTC(2026, 11, 2);

test("the previous hour once it has settled, the previous day", () => {
  const opts = { hourly: true, daily: true, settleMs: 120_000 };
  expect(dueRanges(day + 10 * H + 60_000, opts)).toEqual([
    // 10:01 is before 10:02: the hour 9-10 has not settled, 8-9 is the latest closed one.
    { trigger: "hourly", fromMs: day + 8 * H, toMs: day + 9 * H },
    { trigger: "daily", fromMs: day - 24 * H, toMs: day },
  ]);
  expect(dueRanges(day + 10 * H + 120_000, opts)[0]).toEqual({
    trigger: "hourly",
    fromMs: day + 9 * H,
    toMs: day + 10 * H,
  });
});

test("each part can be turned off", () => {
  expect(dueRanges(day, { hourly: false, daily: true, settleMs: 0 }).map((r) => r.trigger)).toEqual(["daily"]);
  expect(dueRanges(day, { hourly: false, daily: false, settleMs: 0 })).toEqual([]);
});
