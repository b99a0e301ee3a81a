// The read-position tracker without Kafka: batches as (ticket, first offset) pairs, the way
// kafkajs hands them over — in order, stale fetches from before a seek, gaps that are real
// (transaction markers, aborted records) and gaps that are a fetch from elsewhere.
import { expect, test } from "vitest";
import { ReadPositions, resumeWithinLog } from "./read-position";

/** A tracker reading partition 0 from `start`, as after a takeover. */
function readingFrom(start: number) {
  const positions = new ReadPositions();
  expect(positions.resume(0, start)).toBe(start);
  return positions;
}

/** A batch handed over now (ticket taken) and judged later, when the worker gets to it. */
const judge = (
  positions: ReadPositions,
  first: number | undefined,
  opts: { ticket?: number; staleNow?: boolean } = {},
) => positions.decide(0, opts.ticket ?? positions.ticket(0, false), first, opts.staleNow ?? false);

test("a batch at the read position is accepted from there", () => {
  const positions = readingFrom(100);
  expect(judge(positions, 100)).toEqual({ kind: "accept", from: 100 });
  positions.advance(0, 150);
  expect(judge(positions, 150)).toEqual({ kind: "accept", from: 150 });
});

test("a batch overlapping what is counted is accepted from the read position", () => {
  const positions = readingFrom(100);
  positions.advance(0, 120);
  expect(judge(positions, 90)).toEqual({ kind: "accept", from: 120 });
});

test("a partition not taken over asks for a takeover; an empty batch is passed over", () => {
  const positions = new ReadPositions();
  expect(positions.isReading(0)).toBe(false);
  expect(judge(positions, 0)).toEqual({ kind: "take-over" });
  positions.resume(0, 0);
  expect(positions.isReading(0)).toBe(true);
  expect(judge(positions, undefined)).toEqual({ kind: "empty" });
});

test("a batch fetched before a pending seek is never counted, even at our position", () => {
  const positions = readingFrom(100);
  const ticket = positions.ticket(0, true);
  expect(judge(positions, 100, { ticket })).toEqual({ kind: "stale" });
  // kafkajs may also say so only when the batch is judged.
  expect(judge(positions, 100, { staleNow: true })).toEqual({ kind: "stale" });
});

test("batches handed over before a seek (resume, reseek) or a revocation are stale", () => {
  const positions = readingFrom(100);
  const before = positions.ticket(0, false);
  positions.resume(0, 40);
  expect(judge(positions, 100, { ticket: before })).toEqual({ kind: "stale" });
  expect(judge(positions, 40)).toEqual({ kind: "accept", from: 40 });

  const beforeReseek = positions.ticket(0, false);
  expect(judge(positions, 70)).toEqual({ kind: "reseek", offset: 40 });
  expect(judge(positions, 40, { ticket: beforeReseek })).toEqual({ kind: "stale" });

  const beforeRevoke = positions.ticket(0, false);
  positions.forget(0);
  expect(positions.isReading(0)).toBe(false);
  expect(judge(positions, 40, { ticket: beforeRevoke })).toEqual({ kind: "stale" });
  expect(judge(positions, 40)).toEqual({ kind: "take-over" });
});

test("a real gap: the same gap seen again after going back is passed over", () => {
  // Offsets 100-101 hold a commit marker and an aborted record: a fetch from 100 starts at 102.
  const positions = readingFrom(100);
  expect(judge(positions, 102)).toEqual({ kind: "reseek", offset: 100 });
  expect(judge(positions, 102)).toEqual({ kind: "accept", from: 100, gap: { from: 100, to: 102 } });
  // The next batches go on from past the gap; a later gap is checked afresh.
  positions.advance(0, 200);
  expect(judge(positions, 200)).toEqual({ kind: "accept", from: 200 });
  expect(judge(positions, 203)).toEqual({ kind: "reseek", offset: 200 });
  expect(judge(positions, 203)).toEqual({ kind: "accept", from: 200, gap: { from: 200, to: 203 } });
});

test("a stale fetch stream that moved on is never taken for a real gap", () => {
  // kafkajs fetched ahead (from 150) before it applied our seek to 100, and delivers that
  // stream's batches once the seek is no longer pending: each starts elsewhere.
  const positions = readingFrom(100);
  expect(judge(positions, 150)).toEqual({ kind: "reseek", offset: 100 });
  expect(judge(positions, 180)).toEqual({ kind: "reseek", offset: 100 });
  expect(judge(positions, 210)).toEqual({ kind: "reseek", offset: 100 });
  // Our seek took effect: the batch starts at our position, nothing skipped.
  expect(judge(positions, 100)).toEqual({ kind: "accept", from: 100 });
});

test("a gap is accepted only at the same position it was seen at", () => {
  const positions = readingFrom(100);
  expect(judge(positions, 150)).toEqual({ kind: "reseek", offset: 100 });
  positions.advance(0, 120);
  // Same first offset, but our position moved: that is a new gap, gone back over first.
  expect(judge(positions, 150)).toEqual({ kind: "reseek", offset: 120 });
  expect(judge(positions, 150)).toEqual({ kind: "accept", from: 120, gap: { from: 120, to: 150 } });
});

test("partitions are tracked apart", () => {
  const positions = new ReadPositions();
  positions.resume(0, 10);
  positions.resume(1, 500);
  const ticket1 = positions.ticket(1, false);
  positions.resume(0, 5);
  expect(positions.decide(1, ticket1, 500, false)).toEqual({ kind: "accept", from: 500 });
  expect(positions.decide(0, positions.ticket(0, false), 5, false)).toEqual({ kind: "accept", from: 5 });
});

test("a checkpoint past its log's end (topic created again) resumes from the log's start", () => {
  const cp = (nextOffset: number) => ({
    partition: 0,
    nextOffset,
    seq: 7,
    dedupFromOffset: nextOffset - 10,
    maxEventMs: 1e12,
  });
  const stored = new Map([
    [0, cp(500)],
    [1, { ...cp(40), partition: 1 }],
  ]);
  const { resume, pastEnd } = resumeWithinLog(stored, [
    { partition: 0, high: "300", low: "20" },
    { partition: 1, high: "40", low: "0" },
    { partition: 2, high: "9", low: "0" },
  ]);
  expect(pastEnd).toEqual([{ partition: 0, checkpoint: 500, logEnd: 300, logStart: 20 }]);
  // The seq is kept (fencing and Redis go on in order); dedup starts afresh from the log's start.
  expect(resume.get(0)).toEqual({
    ...cp(500),
    nextOffset: 20,
    dedupFromOffset: 20,
    maxEventMs: Number.NEGATIVE_INFINITY,
  });
  expect(resume.get(1)).toBe(stored.get(1));
  expect(resume.has(2)).toBe(false);
  expect(stored.get(0)?.nextOffset).toBe(500);
});
