// GCRA with debt: the long-run rate holds, a large request is allowed once and then waited for,
// and a refusal names how long to wait.
import { expect, test } from "vitest";
import { retryAfterSeconds, takeRate } from "./rate-limit";

test("a key sending at its rate is always allowed; above it, refused with the time to wait", () => {
  let tat: number | undefined;
  // 100 events/s in requests of 10, one every 100 ms: exactly the rate.
  for (let t = 0; t < 10_000; t += 100) {
    const d = takeRate(tat, t, 10, 100);
    expect(d.allowed).toBe(true);
    tat = d.tatMs;
  }
  // Then twice the rate: one second of burst, then refusals.
  let allowed = 0;
  let refusedWith: number | undefined;
  for (let t = 10_000; t < 12_000; t += 50) {
    const d = takeRate(tat, t, 10, 100);
    if (d.allowed) allowed++;
    else refusedWith ??= d.retryAfterMs;
    tat = d.tatMs;
  }
  // 2 s at 100/s is 20 requests of 10, plus the 1 s burst: 30 of the 40 sent.
  expect(allowed).toBe(30);
  expect(refusedWith).toBeGreaterThan(0);
  expect(refusedWith).toBeLessThanOrEqual(100);
});

test("a request larger than the burst goes through once, and the key waits for it", () => {
  const first = takeRate(undefined, 0, 10_000, 1_000);
  expect(first).toEqual({ allowed: true, tatMs: 10_000, retryAfterMs: 0 });
  const second = takeRate(first.tatMs, 1, 1, 1_000);
  expect(second).toEqual({ allowed: false, tatMs: 10_000, retryAfterMs: 8_999 });
  expect(retryAfterSeconds(second.retryAfterMs)).toBe(9);
  expect(takeRate(first.tatMs, 9_000, 1, 1_000).allowed).toBe(true);
});

test("an idle key starts fresh: the past is not credited", () => {
  expect(takeRate(5, 1_000_000, 1, 1).tatMs).toBe(1_001_000);
  expect(retryAfterSeconds(1)).toBe(1);
  expect(retryAfterSeconds(0)).toBe(1);
});
