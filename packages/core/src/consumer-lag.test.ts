import { expect, test } from "vitest";
import { LogEndHistory, partitionLag } from "./consumer-lag";

const T0 = 1_700_000_000_000;

test("caught up: no lag, not stalled, however old the checkpoint (an idle partition)", () => {
  const h = new LogEndHistory();
  h.observe(100, T0);
  const lag = partitionLag({
    logStart: 0,
    logEnd: 100,
    checkpointOffset: 100,
    checkpointMovedAtMs: T0 - 3_600_000,
    history: h,
    nowMs: T0 + 600_000,
  });
  expect(lag).toEqual({ records: 0, seconds: 0, stalledSeconds: 0 });
});

test("a consumer that stopped: lag in records and seconds since the first unread record appeared", () => {
  const h = new LogEndHistory();
  h.observe(100, T0);
  h.observe(150, T0 + 5_000);
  h.observe(200, T0 + 10_000);
  const lag = partitionLag({
    logStart: 0,
    logEnd: 200,
    checkpointOffset: 100,
    checkpointMovedAtMs: T0 - 1_000,
    history: h,
    nowMs: T0 + 30_000,
  });
  expect(lag).toEqual({ records: 100, seconds: 25, stalledSeconds: 25 });
});

test("a moving consumer behind the log is lagging but not stalled", () => {
  const h = new LogEndHistory();
  h.observe(100, T0);
  h.observe(500, T0 + 5_000);
  const lag = partitionLag({
    logStart: 0,
    logEnd: 500,
    checkpointOffset: 120,
    checkpointMovedAtMs: T0 + 19_000,
    history: h,
    nowMs: T0 + 20_000,
  });
  expect(lag.records).toBe(380);
  expect(lag.seconds).toBe(15);
  expect(lag.stalledSeconds).toBe(1);
});

test("a record after a long idle time is not a stall of the idle time", () => {
  const h = new LogEndHistory();
  h.observe(10, T0);
  h.observe(11, T0 + 600_000);
  const lag = partitionLag({
    logStart: 0,
    logEnd: 11,
    checkpointOffset: 10,
    checkpointMovedAtMs: T0,
    history: h,
    nowMs: T0 + 601_000,
  });
  expect(lag).toEqual({ records: 1, seconds: 1, stalledSeconds: 1 });
});

test("no checkpoint: lag from the log start; retention past the checkpoint counts from the log start", () => {
  const h = new LogEndHistory();
  h.observe(40, T0);
  expect(
    partitionLag({
      logStart: 10,
      logEnd: 40,
      checkpointOffset: undefined,
      checkpointMovedAtMs: undefined,
      history: h,
      nowMs: T0 + 2_000,
    }),
  ).toEqual({ records: 30, seconds: 2, stalledSeconds: 2 });
  expect(
    partitionLag({ logStart: 30, logEnd: 40, checkpointOffset: 5, checkpointMovedAtMs: T0, history: h, nowMs: T0 })
      .records,
  ).toBe(10);
});

test("the history keeps only moves, and at most its size", () => {
  const h = new LogEndHistory(2);
  h.observe(1, T0);
  h.observe(1, T0 + 1);
  h.observe(2, T0 + 2);
  h.observe(3, T0 + 3);
  expect(h.appendedBy(0)).toBe(T0 + 2);
  expect(h.appendedBy(2)).toBe(T0 + 3);
  expect(h.appendedBy(3)).toBeUndefined();
});
