// Consumer lag of a partition in records and in seconds, from the log end offsets seen over time
// and the consumer's checkpoint, as kafka-lag-exporter does it: a small table of (log end offset,
// when first seen) per partition answers "since when has the first record not yet checkpointed
// been waiting". Pure: observations and the clock are passed in.

/** One partition's log end offsets, each with the time it was first seen (oldest first). */
export class LogEndHistory {
  private readonly points: { offset: number; atMs: number }[] = [];

  constructor(private readonly maxPoints = 5_000) {}

  /** Records the log end offset seen at `atMs` (kept only when it moved). */
  observe(offset: number, atMs: number): void {
    const last = this.points[this.points.length - 1];
    if (last && offset <= last.offset) return;
    this.points.push({ offset, atMs });
    if (this.points.length > this.maxPoints) this.points.shift();
  }

  /**
   * When the record at `offset` was known to exist: the first time the log end was past it. The
   * oldest point when the table does not reach back that far (the lag is then underestimated by
   * at most the time before the first observation); undefined when no log end passed it yet.
   */
  appendedBy(offset: number): number | undefined {
    for (const p of this.points) if (p.offset > offset) return p.atMs;
    return undefined;
  }
}

export interface PartitionLagInput {
  /** The log's first and next offsets now. */
  logStart: number;
  logEnd: number;
  /** The consumer's stored next offset, or undefined when it never checkpointed this partition. */
  checkpointOffset: number | undefined;
  /** When the checkpoint last moved (epoch ms), if known. */
  checkpointMovedAtMs: number | undefined;
  history: LogEndHistory;
  nowMs: number;
}

export interface PartitionLag {
  /** Log end − checkpoint offset (from the log start when there is no checkpoint). */
  records: number;
  /** How long the first record not yet checkpointed has been in the log; 0 when caught up. */
  seconds: number;
  /**
   * How long the partition has had records to read while its checkpoint did not move; 0 when it
   * has nothing to read (an idle partition is not stalled, however old its checkpoint).
   */
  stalledSeconds: number;
}

export function partitionLag(i: PartitionLagInput): PartitionLag {
  const from = Math.max(i.checkpointOffset ?? i.logStart, i.logStart);
  const records = Math.max(0, i.logEnd - from);
  if (records === 0) return { records: 0, seconds: 0, stalledSeconds: 0 };
  const waitingSince = i.history.appendedBy(from) ?? i.nowMs;
  const seconds = Math.max(0, i.nowMs - waitingSince) / 1000;
  const stuckSince = Math.max(waitingSince, i.checkpointMovedAtMs ?? waitingSince);
  return { records, seconds, stalledSeconds: Math.max(0, i.nowMs - stuckSince) / 1000 };
}
