// Per-partition dedup by event_id within a horizon of event time, bounded in memory.
//
// Semantics (deterministic in the partition's log, so a restart can rebuild it by re-reading):
// an event is a duplicate iff an earlier event of the partition with the same id falls in an
// event-time minute >= minuteOf(maxEventTime - horizon), maxEventTime being the partition's
// largest event time so far (this event included). Ids live in one table, tagged with their
// minute; a whole minute drops out once it is behind the horizon.
import { ExpiringIdSet } from "./id-set";
import { MINUTE_MS, minuteOf } from "./time";

export const DEFAULT_DEDUP_HORIZON_MS = 10 * MINUTE_MS;

interface MinuteStats {
  ids: number;
  /** Smallest log offset of an id in this minute: where a rebuild must start re-reading. */
  minOffset: number;
}

export class PartitionDeduper {
  private readonly ids = new ExpiringIdSet(16_384);
  /** Per minute number (epoch ms / 60 000) still inside the horizon. */
  private readonly minutes = new Map<number, MinuteStats>();
  private maxTs = Number.NEGATIVE_INFINITY;
  /** Minute number of the oldest minute still inside the horizon. */
  private floor = Number.NEGATIVE_INFINITY;

  constructor(readonly horizonMs = DEFAULT_DEDUP_HORIZON_MS) {}

  /**
   * Records the event (its id as uuidWords gives it) and says whether it is a duplicate. Events
   * older than the horizon are never duplicates (nothing older is remembered) and are not
   * remembered either.
   */
  check(idWords: Uint32Array, ts: number, offset: number): boolean {
    if (ts > this.maxTs) {
      this.maxTs = ts;
      const floor = minuteOf(ts - this.horizonMs) / MINUTE_MS;
      if (floor > this.floor) {
        this.floor = floor;
        for (const m of this.minutes.keys()) if (m < floor) this.minutes.delete(m);
      }
    }
    const minute = minuteOf(ts) / MINUTE_MS;
    // The floor is -∞ until the first event: minute numbers are non-negative.
    if (this.ids.seenOrAdd(idWords, minute, Math.max(0, this.floor))) return true;
    if (minute < this.floor) return false;
    const stats = this.minutes.get(minute);
    if (!stats) this.minutes.set(minute, { ids: 1, minOffset: offset });
    else {
      stats.ids++;
      if (offset < stats.minOffset) stats.minOffset = offset;
    }
    return false;
  }

  /**
   * Starts a rebuild: re-reading the log from `rebuildFromOffset()` up to the checkpoint with
   * the checkpoint's max event time in force reproduces exactly the set held at the checkpoint.
   */
  restoreMaxEventTime(maxTs: number): void {
    this.maxTs = maxTs;
    this.floor = minuteOf(maxTs - this.horizonMs) / MINUTE_MS;
  }

  get maxEventTime(): number {
    return this.maxTs;
  }

  /** Offset to re-read from to rebuild this state exactly, or undefined if it holds nothing. */
  rebuildFromOffset(): number | undefined {
    let min: number | undefined;
    for (const s of this.minutes.values()) if (min === undefined || s.minOffset < min) min = s.minOffset;
    return min;
  }

  get size(): number {
    let n = 0;
    for (const s of this.minutes.values()) n += s.ids;
    return n;
  }

  get bytes(): number {
    return this.ids.bytes;
  }
}
