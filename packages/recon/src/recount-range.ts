// One recount of a range: the rollups and the live group's offsets in one snapshot, the log read
// from before the range (recountReadFrom) up to those offsets through the live operator
// (RangeRecount), and the cells that differ. The live pipeline keeps counting meanwhile: what it
// counts after the snapshot is neither in the rollups read nor in the records recounted.
import {
  type AggregatorOptions,
  diffCells,
  type MinuteCounts,
  RangeRecount,
  type RecountRange,
  type RecountStats,
  recountReadFrom,
} from "@adclicks/core";
import { type RecountOutcome, readRangeSnapshot } from "@adclicks/db";
import { type Admin, type Kafka, offsetsAtTime, type PartitionSpan, readSpans } from "@adclicks/kafka";
import type pg from "pg";

export interface RecountDeps {
  pool: pg.Pool;
  kafka: Kafka;
  /** Connected. */
  admin: Admin;
  /** The clicks topic, and the live aggregator group whose checkpoints cover the rollups. */
  topic: string;
  group: string;
  /** The live aggregator's settings: the recount must decide with the same horizon and skew. */
  operator: AggregatorOptions;
}

export interface RecountProgress {
  records: number;
  total: number;
}

/** The range starts before what Kafka still holds: its recount would miss records. */
export class RangeBeyondRetentionError extends Error {}

export interface RangeRecountResult extends RecountOutcome {
  expected: MinuteCounts;
  stats: RecountStats;
}

export async function recountRange(
  deps: RecountDeps,
  range: RecountRange,
  onProgress: (p: RecountProgress) => void = () => {},
): Promise<RangeRecountResult> {
  const snapshot = await readRangeSnapshot(deps.pool, deps.group, deps.topic, range);
  const readFrom = recountReadFrom(range, deps.operator);
  const starts = await offsetsAtTime(deps.admin, deps.topic, readFrom);
  const spans: PartitionSpan[] = [];
  for (const [partition, start] of starts) {
    const to = snapshot.endOffsets.get(partition) ?? 0;
    if (start.offset >= to) continue;
    if (start.truncated)
      throw new RangeBeyondRetentionError(
        `partition ${partition} of ${deps.topic} starts after ${new Date(readFrom).toISOString()} (retention deleted ` +
          "the records before it): this range can no longer be recounted from Kafka",
      );
    spans.push({ partition, from: start.offset, to });
  }
  const total = spans.reduce((n, s) => n + (s.to - s.from), 0);
  const rc = new RangeRecount(range, deps.operator);
  for (const s of spans) rc.startPartition(s.partition);
  let records = 0;
  onProgress({ records, total });
  await readSpans(deps.kafka, deps.topic, spans, (partition, batch) => {
    for (const r of batch) rc.feed(partition, r.offset, r.value, r.timestampMs);
    records += batch.length;
    onProgress({ records, total });
  });
  const expected = rc.result();
  return {
    endOffsets: snapshot.endOffsets,
    records,
    cells: expected.size,
    mismatches: diffCells(expected, snapshot.actual),
    expected,
    stats: rc.summary(),
  };
}
