// Per-partition dedup by event_id within a horizon of event time, bounded in memory.
//
// Semantics (deterministic in the partition's log, so a restart can rebuild it by re-reading):
// an event is a duplicate iff an earlier event of the partition with the same id falls in an
// event-time minute >= minuteOf(maxEventTime - horizon), maxEventTime being the partition's
// largest event time so far (this event included). Ids live in one IdSet per event-time minute;
// a whole minute is dropped once it is behind the horizon.
import { IdSet, uuidWords } from "./id-set";
import { MINUTE_MS, minuteOf } from "./time";

export const DEFAULT_DEDUP_HORIZON_MS = 10 * MINUTE_MS;

interface Bucket {
  ids: IdSet;
  /** Smallest log offset of an id in this bucket: where a rebuild must start re-reading. */
  minOffset: number;
}

export class PartitionDeduper {
  private readonly buckets = new Map<number, Bucket>();
  private maxTs = Number.NEGATIVE_INFINITY;
  private readonly words = new Uint32Array(4);

  constructor(readonly horizonMs = DEFAULT_DEDUP_HORIZON_MS) {}

  /** Oldest minute still inside the horizon. */
  private get floor(): number {
    return minuteOf(this.maxTs - this.horizonMs);
  }

  /**
   * Records the event and says whether it is a duplicate. Events older than the horizon are
   * never duplicates (nothing older is remembered) and are not remembered either.
   */
  check(eventId: string, ts: number, offset: number): boolean {
    if (ts > this.maxTs) {
      const before = this.floor;
      this.maxTs = ts;
      if (this.floor > before) this.evict();
    }
    const w = this.words;
    uuidWords(eventId, w);
    for (const b of this.buckets.values()) if (b.ids.has(w)) return true;
    const minute = minuteOf(ts);
    if (minute < this.floor) return false;
    let bucket = this.buckets.get(minute);
    if (!bucket) {
      bucket = { ids: new IdSet(4096), minOffset: offset };
      this.buckets.set(minute, bucket);
    }
    bucket.ids.add(w);
    if (offset < bucket.minOffset) bucket.minOffset = offset;
    return false;
  }

  private evict(): void {
    const floor = this.floor;
    for (const m of this.buckets.keys()) if (m < floor) this.buckets.delete(m);
  }

  /**
   * Starts a rebuild: re-reading the log from `rebuildFromOffset()` up to the checkpoint with
   * the checkpoint's max event time in force reproduces exactly the set held at the checkpoint.
   */
  restoreMaxEventTime(maxTs: number): void {
    this.maxTs = maxTs;
  }

  get maxEventTime(): number {
    return this.maxTs;
  }

  /** Offset to re-read from to rebuild this state exactly, or undefined if it holds nothing. */
  rebuildFromOffset(): number | undefined {
    let min: number | undefined;
    for (const b of this.buckets.values()) if (min === undefined || b.minOffset < min) min = b.minOffset;
    return min;
  }

  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.ids.size;
    return n;
  }

  get bytes(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.ids.bytes;
    return n;
  }
}
