// Zipf-distributed ranks in [1, n] by rejection-inversion (Hörmann & Derflinger 1996, as in
// Apache Commons RNG): O(1) time and memory per sample, so 2 million ads need no 16 MB table.
import type { Rng } from "./prng";

export interface ZipfSampler {
  readonly n: number;
  readonly exponent: number;
  /** A rank in [1, n]; rank 1 is the most frequent. */
  sample(rng: Rng): number;
}

export function createZipf(n: number, exponent: number): ZipfSampler {
  if (!Number.isInteger(n) || n < 1) throw new Error(`zipf: n must be a positive integer, got ${n}`);
  if (!(exponent > 0)) throw new Error(`zipf: exponent must be > 0, got ${exponent}`);
  const helper1 = (x: number) => (Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - x * 0.25)));
  const helper2 = (x: number) =>
    Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + x * (1 / 3) * (1 + x * 0.25));
  const hIntegral = (x: number) => {
    const logX = Math.log(x);
    return helper2((1 - exponent) * logX) * logX;
  };
  const h = (x: number) => Math.exp(-exponent * Math.log(x));
  const hIntegralInverse = (x: number) => {
    let t = x * (1 - exponent);
    if (t < -1) t = -1; // numerical noise only
    return Math.exp(helper1(t) * x);
  };
  const hIntegralX1 = hIntegral(1.5) - 1;
  const hIntegralN = hIntegral(n + 0.5);
  const s = 2 - hIntegralInverse(hIntegral(2.5) - h(2));
  return {
    n,
    exponent,
    sample(rng) {
      for (;;) {
        const u = hIntegralN + rng.next() * (hIntegralX1 - hIntegralN);
        const x = hIntegralInverse(u);
        let k = Math.floor(x + 0.5);
        if (k < 1) k = 1;
        else if (k > n) k = n;
        if (k - x <= s || u >= hIntegral(k + 0.5) - h(k)) return k;
      }
    },
  };
}

/** The exact Zipf probability of each rank (for tests and for sizing). */
export function zipfPmf(n: number, exponent: number): number[] {
  let norm = 0;
  for (let k = 1; k <= n; k++) norm += k ** -exponent;
  return Array.from({ length: n }, (_, i) => (i + 1) ** -exponent / norm);
}
