// The pacer releases events at the target rate and caps catch-up after a stall.
import { expect, test } from "vitest";
import { Pacer } from "./pacer";

test("releases rate × elapsed events", () => {
  const p = new Pacer(100, 0);
  expect(p.due(0)).toBe(0);
  expect(p.due(500)).toBe(50);
  p.took(50);
  expect(p.due(500)).toBe(0);
  expect(p.waitMs(500)).toBe(10);
  expect(p.due(1_000)).toBe(50);
});

test("a long stall resumes at the rate instead of flooding", () => {
  const p = new Pacer(100, 0, 2);
  expect(p.due(60_000)).toBe(200);
  p.took(200);
  expect(p.due(60_100)).toBe(10);
});

test("rate 0 is unlimited", () => {
  const p = new Pacer(0, 0);
  expect(p.unlimited).toBe(true);
  expect(p.due(0)).toBe(Number.POSITIVE_INFINITY);
});
