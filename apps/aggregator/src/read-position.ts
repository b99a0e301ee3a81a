// Where the worker reads each partition: the next offset it counts, an epoch that tells batches
// fetched before its last seek from current ones, and the last gap it went back over. Pure: it
// answers with decisions as values; the worker seeks and counts.

/** What to do with a batch of a partition. */
export type BatchDecision =
  /** Count the batch's records from `from` on (those before it are counted already). */
  | { kind: "accept"; from: number; gap?: { from: number; to: number } }
  /** The batch started past our position: seek back to `offset` (our position) and read from there. */
  | { kind: "reseek"; offset: number }
  /** Fetched before a seek or revocation of its partition: never counted. */
  | { kind: "stale" }
  /** A partition not taken over yet: resume it from its checkpoint (the batch is dropped). */
  | { kind: "take-over" }
  /** No records. */
  | { kind: "empty" };

const STALE: BatchDecision = Object.freeze({ kind: "stale" });
const TAKE_OVER: BatchDecision = Object.freeze({ kind: "take-over" });
const EMPTY: BatchDecision = Object.freeze({ kind: "empty" });

/** The ticket of a batch fetched before a seek that was still pending: it matches no epoch. */
const FETCHED_BEFORE_SEEK = -1;

export class ReadPositions {
  // The next offset we accept, per partition we read.
  private readonly next = new Map<number, number>();
  // Bumped at each seek or revocation of a partition: batches received before it are stale.
  private readonly epochs = new Map<number, number>();
  // The last gap we went back over: our position, and the first offset of the batch past it.
  private readonly gapSeen = new Map<number, { next: number; first: number }>();

  /**
   * The epoch a batch belongs to, taken when kafkajs hands it over (it is counted later).
   * `fetchedBeforeSeek`: kafkajs says a seek was pending when it was fetched.
   */
  ticket(partition: number, fetchedBeforeSeek: boolean): number {
    return fetchedBeforeSeek ? FETCHED_BEFORE_SEEK : (this.epochs.get(partition) ?? 0);
  }

  /** Starts reading a partition at `start`; returns the offset to seek to. */
  resume(partition: number, start: number): number {
    this.next.set(partition, start);
    this.bumpEpoch(partition);
    return start;
  }

  /** Stops reading a partition (revoked, or its counts dropped): its queued batches go stale. */
  forget(partition: number): void {
    this.next.delete(partition);
    this.bumpEpoch(partition);
  }

  isReading(partition: number): boolean {
    return this.next.has(partition);
  }

  /** The batch's records up to `next - 1` are counted. */
  advance(partition: number, next: number): void {
    this.next.set(partition, next);
  }

  /**
   * Judges a batch by its ticket and first offset. A batch that starts past our position may be
   * a fetch from elsewhere (kafkajs may fetch ahead before it applies our seek, and deliver that
   * once the seek is no longer pending): we go back. Only the same gap seen again after going
   * back (same position, same first offset) is real (transaction markers, aborted records), and
   * is passed over; a stale fetch stream has moved on by then and starts elsewhere.
   * `staleNow`: kafkajs says the batch is stale now.
   */
  decide(partition: number, ticket: number, firstOffset: number | undefined, staleNow: boolean): BatchDecision {
    if (staleNow || ticket !== (this.epochs.get(partition) ?? 0)) return STALE;
    const next = this.next.get(partition);
    if (next === undefined) return TAKE_OVER;
    if (firstOffset === undefined) return EMPTY;
    if (firstOffset <= next) return { kind: "accept", from: next };
    const seen = this.gapSeen.get(partition);
    if (seen?.next !== next || seen.first !== firstOffset) {
      this.gapSeen.set(partition, { next, first: firstOffset });
      this.bumpEpoch(partition);
      return { kind: "reseek", offset: next };
    }
    return { kind: "accept", from: next, gap: { from: next, to: firstOffset } };
  }

  private bumpEpoch(partition: number): void {
    this.epochs.set(partition, (this.epochs.get(partition) ?? 0) + 1);
  }
}

/** What a stored checkpoint holds about its position in the log. */
interface ResumePoint {
  nextOffset: number;
  dedupFromOffset: number;
  maxEventMs: number;
}

/** A partition whose checkpoint lies past the end of its log, and is read from the log's start. */
export interface CheckpointPastLogEnd {
  partition: number;
  checkpoint: number;
  logEnd: number;
  logStart: number;
}

/**
 * Checks stored checkpoints against their partitions' logs (`high`: the end, `low`: the start).
 * One past the log's end was written for an earlier topic of the same name (deleted and created
 * again, as when Kafka's data directory is wiped). Kept, its offsets would skip the new log's
 * first records as replays of counted ones; the partition is read from the log's start instead,
 * its seq kept (fencing and the Redis applies go on in order).
 */
export function resumeWithinLog<T extends ResumePoint>(
  stored: ReadonlyMap<number, T>,
  logs: readonly { partition: number; high: string; low: string }[],
): { resume: Map<number, T>; pastEnd: CheckpointPastLogEnd[] } {
  const resume = new Map(stored);
  const pastEnd: CheckpointPastLogEnd[] = [];
  for (const log of logs) {
    const cp = stored.get(log.partition);
    if (!cp || cp.nextOffset <= Number(log.high)) continue;
    const start = Number(log.low);
    pastEnd.push({ partition: log.partition, checkpoint: cp.nextOffset, logEnd: Number(log.high), logStart: start });
    resume.set(log.partition, {
      ...cp,
      nextOffset: start,
      dedupFromOffset: start,
      maxEventMs: Number.NEGATIVE_INFINITY,
    });
  }
  return { resume, pastEnd };
}
