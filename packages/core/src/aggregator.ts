// The aggregation operator, pure: parse → validate → dedup → window → count, per partition,
// with decisions returned as values. The worker (apps/aggregator) carries out the I/O: it
// feeds Kafka records in, and writes checkpoint plans to Postgres and Redis.
import { parseClick, type RejectReason, type ValidateOptions } from "./click";
import { newScannedClick, scanClick } from "./click-scan";
import { MinuteCounts } from "./counts";
import { DEFAULT_DEDUP_HORIZON_MS, PartitionDeduper } from "./dedup";
import { uuidWords } from "./id-set";
import { MINUTE_MS, minuteOf } from "./time";
import { type WatermarkOptions, WatermarkTracker } from "./watermark";

export type Decision =
  | { kind: "counted"; minute: number }
  /** Counted as a correction to a minute that was already final. */
  | { kind: "late"; minute: number }
  | { kind: "duplicate" }
  | { kind: "rejected"; reason: RejectReason; detail?: string }
  /** Re-read to rebuild dedup state after a restart; counted before the checkpoint. */
  | { kind: "replayed" }
  /** Before the partition's restart point, or not ours: ignored. */
  | { kind: "skipped" };

// Decisions carry no per-click data but a minute: shared, so a click allocates none.
const SKIPPED: Decision = Object.freeze({ kind: "skipped" });
const REPLAYED: Decision = Object.freeze({ kind: "replayed" });
const DUPLICATE: Decision = Object.freeze({ kind: "duplicate" });

/** What a partition's last checkpoint stored, to resume from. */
export interface PartitionCheckpoint {
  nextOffset: number;
  seq: number;
  maxEventMs: number;
  dedupFromOffset: number;
}

export interface AggregatorOptions extends WatermarkOptions {
  dedupHorizonMs?: number;
  /** Clicks stamped more than this ahead of their record's timestamp are rejected (future_timestamp). */
  maxFutureSkewMs?: number;
  maxAgeMs?: number;
}

interface PartitionState {
  // Checkpointed (restored on assignment).
  nextOffset: number;
  seq: number;
  deduper: PartitionDeduper;
  // Transient: counts since the last checkpoint, and the replay boundary.
  counts: MinuteCounts;
  late: MinuteCounts;
  replayFrom: number;
  replayUntil: number;
  dirty: boolean;
}

export interface PartitionPlan {
  partition: number;
  /** The offset the previous checkpoint stored: the fencing condition of the write. */
  prevNextOffset: number;
  prevSeq: number;
  nextOffset: number;
  seq: number;
  maxEventMs: number;
  dedupFromOffset: number;
  counts: MinuteCounts;
  late: MinuteCounts;
}

export interface CheckpointPlan {
  partitions: PartitionPlan[];
  watermark: number | undefined;
  /** Every minute before this boundary is final. */
  finalBefore: number | undefined;
  /** Minutes that became final since the previous plan (that this operator saw data for). */
  fired: number[];
}

export class ClickAggregator {
  readonly watermarks: WatermarkTracker;
  private readonly parts = new Map<number, PartitionState>();
  private readonly validate: ValidateOptions;
  private readonly horizonMs: number;
  private finalBefore: number | undefined;
  /** Minutes seen since they were last fired, so a fire names real minutes only. */
  private readonly openMinutes = new Set<number>();
  /** Counted and late decisions by minute, shared (transient; forgotten past 1,000 minutes). */
  private readonly decisions = new Map<number, { counted: Decision; late: Decision }>();
  /** The click being processed (transient, reused: no object per click). */
  private readonly click = newScannedClick();
  private readonly utf8 = new TextDecoder();

  constructor(opts: AggregatorOptions = {}) {
    this.watermarks = new WatermarkTracker(opts);
    this.horizonMs = opts.dedupHorizonMs ?? DEFAULT_DEDUP_HORIZON_MS;
    this.validate = { nowMs: 0, maxFutureSkewMs: opts.maxFutureSkewMs, maxAgeMs: opts.maxAgeMs };
  }

  /**
   * Takes ownership of a partition. Returns the offset to start reading from: before the
   * checkpoint when dedup state must be rebuilt by re-reading (nothing is counted twice).
   */
  assign(partition: number, from: PartitionCheckpoint | undefined, nowMs: number): number {
    const deduper = new PartitionDeduper(this.horizonMs);
    const cp = from ?? { nextOffset: 0, seq: 0, maxEventMs: Number.NEGATIVE_INFINITY, dedupFromOffset: 0 };
    this.watermarks.forget(partition);
    if (from && Number.isFinite(from.maxEventMs)) {
      deduper.restoreMaxEventTime(from.maxEventMs);
      this.watermarks.observe(partition, from.maxEventMs, nowMs);
    } else {
      this.watermarks.register(partition, nowMs);
    }
    this.parts.set(partition, {
      nextOffset: cp.nextOffset,
      seq: cp.seq,
      deduper,
      counts: new MinuteCounts(),
      late: new MinuteCounts(),
      replayFrom: Math.min(cp.dedupFromOffset, cp.nextOffset),
      replayUntil: cp.nextOffset,
      dirty: false,
    });
    return Math.min(cp.dedupFromOffset, cp.nextOffset);
  }

  /** Drops a partition (rebalanced away): its uncheckpointed counts are re-read by the new owner. */
  revoke(partition: number): void {
    this.parts.delete(partition);
    this.watermarks.forget(partition);
  }

  owned(): number[] {
    return [...this.parts.keys()].sort((a, b) => a - b);
  }

  /** Another worker's checkpoint: its partition's event-time progress, for the global watermark. */
  observeRemote(partition: number, maxEventMs: number, activeAt: number): void {
    if (!this.parts.has(partition)) this.watermarks.observe(partition, maxEventMs, activeAt);
  }

  /**
   * `value` is the record's value: its bytes as Kafka holds them, or its text. `nowMs` is the wall
   * clock (idleness); `recordTimeMs`, the record's own timestamp in the log, judges "too far in
   * the future / too old", so a replay decides exactly as the first read did.
   */
  process(
    partition: number,
    offset: number,
    value: Uint8Array | string | null,
    nowMs: number,
    recordTimeMs = nowMs,
  ): Decision {
    const p = this.parts.get(partition);
    if (!p) return SKIPPED;
    if (offset < p.replayFrom) return SKIPPED;
    const replaying = offset < p.replayUntil;
    if (!replaying && offset < p.nextOffset) return SKIPPED;
    if (!replaying) {
      p.nextOffset = offset + 1;
      p.dirty = true;
    }
    this.validate.nowMs = recordTimeMs;
    const c = this.click;
    // Bytes take the fast path; whatever it is unsure of, parseClick decides (same answers).
    if (!(value instanceof Uint8Array && scanClick(value, this.validate, c))) {
      const text = value === null || typeof value === "string" ? value : this.utf8.decode(value);
      const parsed = text === null ? null : parseClick(text, this.validate);
      if (parsed === null || !parsed.ok) {
        if (replaying) return REPLAYED;
        return parsed === null
          ? { kind: "rejected", reason: "malformed_json" }
          : { kind: "rejected", reason: parsed.reason, detail: parsed.detail };
      }
      uuidWords(parsed.click.eventId, c.idWords);
      c.adId = parsed.click.adId;
      c.ts = parsed.click.ts;
      c.country = parsed.click.country;
    }
    const duplicate = p.deduper.check(c.idWords, c.ts, offset);
    if (replaying) return REPLAYED;
    this.watermarks.observe(partition, c.ts, nowMs);
    if (duplicate) return DUPLICATE;
    const minute = minuteOf(c.ts);
    p.counts.add(minute, c.country, c.adId);
    if (this.finalBefore !== undefined && minute < this.finalBefore) {
      p.late.add(minute, c.country, c.adId);
      return this.decided("late", minute);
    }
    this.openMinutes.add(minute);
    return this.decided("counted", minute);
  }

  private decided(kind: "counted" | "late", minute: number): Decision {
    let d = this.decisions.get(minute);
    if (!d) {
      if (this.decisions.size > 1_000) this.decisions.clear();
      d = { counted: Object.freeze({ kind: "counted", minute }), late: Object.freeze({ kind: "late", minute }) };
      this.decisions.set(minute, d);
    }
    return d[kind];
  }

  /** Advances the watermark to `nowMs`'s view and returns the minutes that fired. */
  advance(nowMs: number): { watermark: number | undefined; finalBefore: number | undefined; fired: number[] } {
    const watermark = this.watermarks.current(nowMs);
    const fired: number[] = [];
    if (watermark !== undefined) {
      const boundary = minuteOf(watermark + 1);
      if (this.finalBefore === undefined || boundary > this.finalBefore) {
        this.finalBefore = boundary;
        for (const m of this.openMinutes)
          if (m + MINUTE_MS <= boundary) {
            fired.push(m);
            this.openMinutes.delete(m);
          }
      }
    }
    return { watermark, finalBefore: this.finalBefore, fired: fired.sort((a, b) => a - b) };
  }

  /**
   * Everything to persist now. The plan takes the counts with it (counting goes on into fresh
   * ones while it is written); offsets and seqs move only at `committed(plan)`. One plan is in
   * flight at a time: the next is taken after this one is committed (or its partitions revoked).
   */
  plan(nowMs: number): CheckpointPlan {
    const { watermark, finalBefore, fired } = this.advance(nowMs);
    const partitions: PartitionPlan[] = [];
    for (const [partition, p] of this.parts) {
      if (!p.dirty) continue;
      const maxEventMs = p.deduper.maxEventTime;
      partitions.push({
        partition,
        prevNextOffset: p.replayUntil,
        prevSeq: p.seq,
        nextOffset: p.nextOffset,
        seq: p.seq + 1,
        maxEventMs: Number.isFinite(maxEventMs) ? maxEventMs : 0,
        dedupFromOffset: p.deduper.rebuildFromOffset() ?? p.nextOffset,
        counts: p.counts,
        late: p.late,
      });
      p.counts = new MinuteCounts();
      p.late = new MinuteCounts();
      p.dirty = false;
    }
    return { partitions, watermark, finalBefore, fired };
  }

  /** The plan is durable: its offsets are the partitions' new restart points. */
  committed(plan: CheckpointPlan): void {
    for (const pp of plan.partitions) {
      const p = this.parts.get(pp.partition);
      if (!p) continue;
      p.seq = pp.seq;
      p.replayFrom = Math.max(p.replayFrom, pp.nextOffset);
      p.replayUntil = Math.max(p.replayUntil, pp.nextOffset);
    }
  }

  /** The seq of the partition's last durable checkpoint (0 before the first; -1 if not owned). */
  committedSeq(partition: number): number {
    return this.parts.get(partition)?.seq ?? -1;
  }

  /** Clicks counted since the last plan (they are in no checkpoint yet). */
  unplannedClicks(): number {
    let n = 0;
    for (const p of this.parts.values()) n += p.counts.clicks;
    return n;
  }

  dedupStats(): { ids: number; bytes: number } {
    let ids = 0;
    let bytes = 0;
    for (const p of this.parts.values()) {
      ids += p.deduper.size;
      bytes += p.deduper.bytes;
    }
    return { ids, bytes };
  }
}
