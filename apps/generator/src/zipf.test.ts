// The Zipf sampler matches the exact distribution and stays in range, including for 2M ranks.
import { expect, test } from "vitest";
import { createRng } from "./prng";
import { createZipf, zipfPmf } from "./zipf";

test.each([
  [10, 1.0],
  [50, 1.1],
  [20, 0.6],
])("n=%i s=%f: empirical frequencies match the pmf", (n, s) => {
  const rng = createRng(1);
  const z = createZipf(n, s);
  const samples = 200_000;
  const counts = new Array(n).fill(0);
  for (let i = 0; i < samples; i++) counts[z.sample(rng) - 1]++;
  const pmf = zipfPmf(n, s);
  pmf.forEach((p, i) => {
    const expected = p * samples;
    // 5 standard deviations of a binomial count, plus a little slack.
    expect(Math.abs(counts[i] - expected)).toBeLessThan(5 * Math.sqrt(expected * (1 - p)) + 5);
  });
});

test("2 million ranks: always in range, and rank 1 is the hottest", () => {
  const rng = createRng(2);
  const z = createZipf(2_000_000, 1.0);
  let ones = 0;
  let twos = 0;
  let outOfRange = 0;
  for (let i = 0; i < 100_000; i++) {
    const k = z.sample(rng);
    if (!(k >= 1 && k <= 2_000_000 && Number.isInteger(k))) outOfRange++;
    if (k === 1) ones++;
    if (k === 2) twos++;
  }
  expect(outOfRange).toBe(0);
  expect(ones).toBeGreaterThan(twos);
  // P(1) = 1/H(2e6) ≈ 0.0663
  expect(ones / 100_000).toBeGreaterThan(0.06);
  expect(ones / 100_000).toBeLessThan(0.073);
});

test("rejects nonsense parameters", () => {
  expect(() => createZipf(0, 1)).toThrow(/positive integer/);
  expect(() => createZipf(10, 0)).toThrow(/exponent/);
});
