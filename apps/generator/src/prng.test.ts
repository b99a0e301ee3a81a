// The PRNG: reproducible from a seed, different across seeds, uniform enough for traffic.
import { expect, test } from "vitest";
import { createRng, seedFromString } from "./prng";

test("the same seed gives the same sequence; another seed another", () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const sa = Array.from({ length: 5 }, () => a.uint32());
  expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(sa);
  expect(Array.from({ length: 5 }, () => c.uint32())).not.toEqual(sa);
  expect(createRng("demo").uint32()).toBe(createRng(seedFromString("demo")).uint32());
});

test("next() is in [0,1) and int(n) in [0,n) with roughly equal buckets", () => {
  const rng = createRng(7);
  const buckets = new Array(10).fill(0);
  let outOfRange = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = rng.next();
    if (!(x >= 0 && x < 1)) outOfRange++;
    buckets[rng.int(10)]++;
  }
  expect(outOfRange).toBe(0);
  for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
});
