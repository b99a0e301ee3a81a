// The machine's yardstick that every bench prints beside its figures, so runs on different (or
// differently loaded) machines can be compared: JSON.parse of a click on one core, and memory
// latency.

const SAMPLE_CLICK =
  '{"event_id":"6f1c2a9e-3b7d-4c1e-9a55-0d2e8f4b7c61","ad_id":"ad-184467","click_timestamp":1764681600123,"user_id":"u-3812","ip":"203.0.113.77","country":"US"}';

/** Clicks JSON.parse reads per second on one core (a warm-up round, then one measured). */
export function parseRate(line = SAMPLE_CLICK): number {
  const count = 1_000_000;
  const round = () => {
    const t0 = process.hrtime.bigint();
    let sink = 0;
    for (let i = 0; i < count; i++) sink += (JSON.parse(line) as { ad_id: string }).ad_id.length;
    if (sink === 0) throw new Error("no ad_id in the sample click");
    return count / (Number(process.hrtime.bigint() - t0) / 1e9);
  };
  round(); // warm-up
  return round();
}

/**
 * Nanoseconds per read of a random walk over 128 MB (each read's address is the previous read's
 * value): memory latency, which Redis' sets, the dedup tables and Postgres' indexes wait on.
 */
export function memoryLatencyNs(): number {
  const n = 32 * 1024 * 1024;
  const next = new Uint32Array(n);
  for (let i = 0; i < n; i++) next[i] = i;
  // Sattolo's shuffle (one cycle through every slot) with a fixed-seed xorshift.
  let x = 0x9e3779b9;
  const rand = (below: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % below;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = rand(i);
    const t = next[i]!;
    next[i] = next[j]!;
    next[j] = t;
  }
  const reads = 3_000_000;
  let at = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reads; i++) at = next[at]!;
  return Number(process.hrtime.bigint() - t0) / reads + (at < 0 ? 1 : 0);
}

/** The line benches print: "this machine: JSON.parse of a click X M/s on one core, memory latency Y ns". */
export function yardstickLine(sampleClickLine = SAMPLE_CLICK): { parseMps: number; memoryNs: number; line: string } {
  const parseMps = parseRate(sampleClickLine) / 1e6;
  const memoryNs = memoryLatencyNs();
  return {
    parseMps,
    memoryNs,
    line: `this machine: JSON.parse of a click ${parseMps.toFixed(2)} M/s on one core, memory latency ${memoryNs.toFixed(0)} ns (compare runs across machines by these)`,
  };
}
