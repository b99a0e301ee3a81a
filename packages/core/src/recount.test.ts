// The recount decides as the live path: the same log, read live (with restarts from checkpoints)
// and recounted from recountReadFrom, gives the same cells for the range — duplicates inside and
// beyond the dedup horizon, late corrections, rejects judged by record time, future skew.
import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { type AggregatorOptions, ClickAggregator, type PartitionCheckpoint } from "./aggregator";
import { MinuteCounts } from "./counts";
import { diffCells, RangeRecount, type RecountRange, recountReadFrom } from "./recount";
import { MINUTE_MS } from "./time";

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const OPTS: AggregatorOptions = { dedupHorizonMs: 10 * MINUTE_MS, maxFutureSkewMs: 30_000, allowedLatenessMs: 15_000 };

interface LogRecord {
  value: string;
  recordTimeMs: number;
}

/** A seeded PRNG, so a failing log can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const click = (id: string, ad: string, ts: number, country = "US") =>
  JSON.stringify({ event_id: id, ad_id: ad, click_timestamp: ts, user_id: "u", ip: "10.0.0.1", country });

/**
 * Two hours of one partition's traffic, one record a second: duplicates a few seconds later and
 * beyond the horizon, late clicks, malformed records, clicks stamped past the allowed skew.
 */
function makeLog(seed: number): LogRecord[] {
  const r = rng(seed);
  const log: LogRecord[] = [];
  const sent: { value: string; ts: number }[] = [];
  for (let i = 0; i < 7_200; i++) {
    const now = T0 + i * 1000;
    const x = r();
    let value: string;
    let ts = now - Math.floor(r() * 5_000);
    if (x < 0.05 && sent.length > 0) {
      // A resend of a recent click (inside the horizon: a duplicate).
      value = sent[sent.length - 1 - Math.floor(r() * Math.min(20, sent.length))]!.value;
    } else if (x < 0.06 && sent.length > 1_800) {
      // A resend from 15-30 minutes ago: beyond the horizon, counted again by the live path.
      value = sent[sent.length - 900 - Math.floor(r() * 900)]!.value;
    } else if (x < 0.08) {
      value = "{not json";
    } else if (x < 0.09) {
      value = click(randomUUID(), "ad-future", now + 60_000);
    } else {
      if (x < 0.12) ts = now - Math.floor(r() * 20 * MINUTE_MS); // late, up to 20 minutes
      value = click(randomUUID(), `ad-${Math.floor(r() * r() * 30)}`, ts, r() < 0.5 ? "US" : "DE");
      sent.push({ value, ts });
    }
    // Record timestamps of two producers whose clocks differ a little.
    log.push({ value, recordTimeMs: now + Math.floor(r() * 2_000) - 1_000 });
  }
  return log;
}

/** The live path over the whole log, restarted from its checkpoint every `restartEvery` records. */
function liveCounts(log: readonly LogRecord[], restartEvery: number): MinuteCounts {
  const total = new MinuteCounts();
  let cp: PartitionCheckpoint | undefined;
  let offset = 0;
  while (offset < log.length) {
    const op = new ClickAggregator(OPTS);
    let o = op.assign(0, cp, log[offset]!.recordTimeMs);
    const until = Math.min(log.length, offset + restartEvery);
    for (; o < until; o++) {
      const rec = log[o]!;
      op.process(0, o, new TextEncoder().encode(rec.value), rec.recordTimeMs, rec.recordTimeMs);
      if (o % 97 === 0) op.advance(rec.recordTimeMs);
    }
    const plan = op.plan(log[until - 1]!.recordTimeMs);
    op.committed(plan);
    const pp = plan.partitions[0]!;
    total.mergeFrom(pp.counts);
    cp = { nextOffset: pp.nextOffset, seq: pp.seq, maxEventMs: pp.maxEventMs, dedupFromOffset: pp.dedupFromOffset };
    offset = until;
  }
  return total;
}

function inRange(c: MinuteCounts, range: RecountRange): MinuteCounts {
  const out = new MinuteCounts();
  for (const d of c.deltas())
    if (d.minute >= range.fromMs && d.minute < range.toMs && (!range.adIds || range.adIds.includes(d.adId)))
      out.add(d.minute, d.country, d.adId, d.clicks);
  return out;
}

function recount(log: readonly LogRecord[], range: RecountRange): RangeRecount {
  const rc = new RangeRecount(range, OPTS);
  const readFrom = recountReadFrom(range, OPTS);
  let start = log.findIndex((r) => r.recordTimeMs >= readFrom);
  if (start < 0) start = log.length;
  rc.startPartition(0);
  for (let o = start; o < log.length; o++) rc.feed(0, o, new TextEncoder().encode(log[o]!.value), log[o]!.recordTimeMs);
  return rc;
}

describe("the recount makes the live path's decisions", () => {
  for (const seed of [1, 2, 3]) {
    test(`seed ${seed}: an hour in the middle of the log, live restarted every 1,000 records`, () => {
      const log = makeLog(seed);
      const range = { fromMs: T0 + 40 * MINUTE_MS, toMs: T0 + 100 * MINUTE_MS };
      const live = inRange(liveCounts(log, 1_000), range);
      const rc = recount(log, range);
      const stats = rc.summary();
      // The log holds what the test claims: every kind of decision occurred.
      expect(stats.duplicate).toBeGreaterThan(100);
      expect(stats.rejected).toBeGreaterThan(100);
      expect(live.clicks).toBeGreaterThan(3_000);
      expect(diffCells(rc.result(), live)).toEqual([]);
    });
  }

  test("the range's first minutes: duplicates whose first copy is before the range", () => {
    const log = makeLog(4);
    const range = { fromMs: T0 + 20 * MINUTE_MS, toMs: T0 + 22 * MINUTE_MS };
    expect(diffCells(recount(log, range).result(), inRange(liveCounts(log, 733), range))).toEqual([]);
  });

  test("ads narrow the range", () => {
    const log = makeLog(5);
    const range = { fromMs: T0 + 30 * MINUTE_MS, toMs: T0 + 90 * MINUTE_MS, adIds: ["ad-0", "ad-3"] };
    const expected = recount(log, range).result();
    expect(new Set([...expected.deltas()].map((d) => d.adId))).toEqual(new Set(["ad-0", "ad-3"]));
    expect(diffCells(expected, inRange(liveCounts(log, 5_000), range))).toEqual([]);
  });

  test("reading from too late a point is what would differ: the test can see a difference", () => {
    const log = makeLog(6);
    const range = { fromMs: T0 + 40 * MINUTE_MS, toMs: T0 + 100 * MINUTE_MS };
    const rc = new RangeRecount(range, OPTS);
    rc.startPartition(0);
    // Starting right at the range loses the first copies of early duplicates and the dedup floor.
    const start = log.findIndex((r) => r.recordTimeMs >= range.fromMs + MINUTE_MS);
    for (let o = start; o < log.length; o++) rc.feed(0, o, log[o]!.value, log[o]!.recordTimeMs);
    expect(diffCells(rc.result(), inRange(liveCounts(log, 1_000), range)).length).toBeGreaterThan(0);
  });
});

describe("diffCells", () => {
  test("reports cells that differ or exist on one side only, sorted", () => {
    const e = new MinuteCounts();
    const a = new MinuteCounts();
    e.add(T0, "US", "b", 3);
    a.add(T0, "US", "b", 3);
    e.add(T0, "DE", "a", 2);
    a.add(T0, "DE", "a", 1);
    e.add(T0 + MINUTE_MS, "US", "a", 1);
    a.add(T0, "FR", "c", 4);
    a.add(T0, "JP", "z", 0); // a zero row the rollups may hold equals a missing cell
    expect(diffCells(e, a)).toEqual([
      { adId: "a", minute: T0, country: "DE", expected: 2, actual: 1 },
      { adId: "a", minute: T0 + MINUTE_MS, country: "US", expected: 1, actual: 0 },
      { adId: "c", minute: T0, country: "FR", expected: 0, actual: 4 },
    ]);
  });

  test("a range must be whole minutes", () => {
    expect(() => new RangeRecount({ fromMs: T0 + 1, toMs: T0 + MINUTE_MS }, OPTS)).toThrow(RangeError);
  });
});
