// Mirrors committed checkpoints into the Redis live windows: exactly once and in seq order per
// partition, consecutive checkpoints merged up to a cell budget, the deltas of our own recent
// checkpoints from memory and whatever memory lacks from the Postgres outbox, and a rebuild from
// Postgres when Redis says it is not built. Its two ports are Redis and the outbox.
import { MinuteCounts } from "@adclicks/core";
import type { Logger } from "pino";
import type { AggregatorMetrics } from "./metrics";

/**
 * Cells merged into one Redis apply (whole checkpoints; the first one always goes): bounds the
 * memory of a catch-up and how long one Lua call holds Redis.
 */
export const REDIS_APPLY_MAX_CELLS = 50_000;

/**
 * Cells of committed checkpoints kept in memory for Redis (~100 bytes each, under the heap cap);
 * past it, the oldest are read back from the outbox.
 */
export const UNAPPLIED_MAX_CELLS = 100_000;

/** Consecutive checkpoints of one partition, applied together. */
export interface SeqRange {
  partition: number;
  fromSeq: number;
  toSeq: number;
}

/** Redis' answer to an apply: done, not built (rebuild first), or its last seq is not fromSeq - 1 (nothing done). */
export type RedisApplyResult = { kind: "applied" } | { kind: "not_ready" } | { kind: "mismatch"; lastApplied: number };

/** The live windows in Redis. */
export interface LiveWindowsPort {
  /** Applies the range's merged cells atomically, only if Redis' last seq of the partition is fromSeq - 1. */
  apply(range: SeqRange, counts: MinuteCounts): Promise<RedisApplyResult>;
  ready(): Promise<boolean>;
  /** Rebuilds every live window from the Postgres rollups (unless another worker is at it). */
  rebuild(): Promise<{ rebuilt: boolean; rows: number }>;
}

/** A committed checkpoint's deltas as stored in the outbox. */
export interface OutboxRow {
  seq: number;
  /** Adds the row's cells to `into`. */
  addTo(into: MinuteCounts): void;
}

/** The Postgres outbox of committed deltas. */
export interface OutboxPort {
  /** The partition's oldest rows above `afterSeq`, in seq order (a bounded number). */
  read(partition: number, afterSeq: number): Promise<OutboxRow[]>;
}

export interface RedisMirrorOptions {
  live: LiveWindowsPort;
  outbox: OutboxPort;
  /** The seq of the partition's last durable checkpoint (-1 when not ours). */
  committedSeq(partition: number): number;
  owns(partition: number): boolean;
  stopping(): boolean;
  metrics: Pick<AggregatorMetrics, "redisApplies" | "ingestToVisibleSeconds">;
  log: Logger;
  /** The wall clock (epoch ms), for the ingest → visible latency. */
  now?: () => number;
  applyMaxCells?: number;
  memoryMaxCells?: number;
}

/** What one apply did: moved a partition on, changed nothing, or found Redis not built. */
type ApplyOutcome = "applied" | "idle" | "not_ready";

interface Unapplied {
  seq: number;
  counts: MinuteCounts;
  cells: number;
  /** The newest Kafka timestamp counted into it (epoch ms), if known. */
  ingestMs: number | undefined;
}

export class RedisMirror {
  // Last seq Redis applied, per partition (absent: not known yet).
  private readonly appliedSeq = new Map<number, number>();
  // Committed deltas not applied yet, per partition in seq order.
  private readonly unapplied = new Map<number, Unapplied[]>();
  private unappliedCells = 0;
  // Outbox rows Redis has applied: deleted by the next checkpoint commit.
  private appliedOutbox: { partition: number; seq: number }[] = [];
  // One sync per partition: while one builds its next call, Redis works on another's.
  private readonly syncs = new Map<number, Promise<void>>();
  private readonly applyMaxCells: number;
  private readonly memoryMaxCells: number;

  constructor(private readonly opts: RedisMirrorOptions) {
    this.applyMaxCells = opts.applyMaxCells ?? REDIS_APPLY_MAX_CELLS;
    this.memoryMaxCells = opts.memoryMaxCells ?? UNAPPLIED_MAX_CELLS;
  }

  /** Keeps a committed checkpoint's deltas; past the memory budget the oldest are left to the outbox. */
  remember(p: number, seq: number, counts: MinuteCounts, ingestMs?: number): void {
    if (!this.opts.owns(p)) return;
    let queue = this.unapplied.get(p);
    if (!queue) {
      queue = [];
      this.unapplied.set(p, queue);
    }
    const cells = counts.size;
    queue.push({ seq, counts, cells, ingestMs });
    this.unappliedCells += cells;
    for (const entries of this.unapplied.values()) {
      while (this.unappliedCells > this.memoryMaxCells && entries.length > 0)
        this.unappliedCells -= entries.shift()!.cells;
    }
  }

  /** A partition taken over: what Redis has of it is asked again. */
  resume(p: number): void {
    this.appliedSeq.delete(p);
    this.dropUnapplied(p);
  }

  /** A partition's counts dropped (revoked or fenced): its in-memory deltas go too. */
  forget(p: number): void {
    this.dropUnapplied(p);
  }

  /** The outbox rows to delete with the next commit (a copy: applies go on while it runs). */
  outboxToDelete(): { partition: number; seq: number }[] {
    return [...this.appliedOutbox];
  }

  /** The first `n` rows of outboxToDelete() were deleted. */
  outboxDeleted(n: number): void {
    this.appliedOutbox = this.appliedOutbox.slice(n);
  }

  /** Starts a sync for each of the partitions that has none running. */
  kick(partitions: Iterable<number>): void {
    for (const p of partitions) {
      if (this.syncs.has(p)) continue;
      this.syncs.set(
        p,
        this.sync(p).finally(() => this.syncs.delete(p)),
      );
    }
  }

  /** Resolves when the syncs running now are done. */
  async drained(): Promise<void> {
    await Promise.all(this.syncs.values());
  }

  /** Rebuilds the live windows from Postgres unless Redis has them; a failure is retried at the next not-ready apply. */
  async ensureReady(): Promise<void> {
    try {
      if (await this.opts.live.ready()) return;
      const started = performance.now();
      const r = await this.opts.live.rebuild();
      if (r.rebuilt)
        this.opts.log.warn(
          { rows: r.rows, ms: Math.round(performance.now() - started) },
          "live windows rebuilt from Postgres",
        );
    } catch (err) {
      this.opts.log.warn({ err }, "live-window rebuild failed; will retry");
    }
  }

  /**
   * Applies a partition's committed deltas exactly once, in seq order. Those of our own recent
   * checkpoints come from memory; whatever memory lacks (a previous owner's checkpoints, ours
   * from before a restart, or a backlog past the memory budget) is read back from the outbox.
   * Each call holds Redis for one partition's share of a checkpoint.
   */
  private async sync(p: number): Promise<void> {
    try {
      while (!this.opts.stopping()) {
        const head = this.unapplied.get(p)?.[0];
        const last = this.appliedSeq.get(p);
        let result: ApplyOutcome;
        if (head && (last === undefined || head.seq === last + 1)) result = await this.applyFromMemory(p);
        else if (last === undefined || last < this.opts.committedSeq(p)) result = await this.applyFromOutbox(p);
        else return;
        if (result === "not_ready") {
          await this.ensureReady();
          return;
        }
        // Nothing moved (a gap only the next checkpoint fills, or an empty outbox).
        if (result === "idle") return;
      }
    } catch (err) {
      this.opts.metrics.redisApplies.inc({ result: "error" });
      this.opts.log.warn({ err, partition: p }, "redis apply failed; will retry");
    }
  }

  /** Applies the consecutive checkpoints of `p` held in memory, merged up to the cell budget. */
  private async applyFromMemory(p: number): Promise<ApplyOutcome> {
    const queue = this.unapplied.get(p) ?? [];
    const first = queue[0];
    if (!first) return "idle";
    let counts = first.counts;
    let cells = first.cells;
    let toSeq = first.seq;
    for (
      let i = 1;
      i < queue.length && queue[i]!.seq === toSeq + 1 && cells + queue[i]!.cells <= this.applyMaxCells;
      i++
    ) {
      if (counts === first.counts) {
        counts = new MinuteCounts();
        counts.mergeFrom(first.counts);
      }
      counts.mergeFrom(queue[i]!.counts);
      cells += queue[i]!.cells;
      toSeq = queue[i]!.seq;
    }
    return this.apply({ partition: p, fromSeq: first.seq, toSeq }, counts);
  }

  /** Applies the partition's outbox rows above what Redis has, consecutive ones merged. */
  private async applyFromOutbox(p: number): Promise<ApplyOutcome> {
    const rows = await this.opts.outbox.read(p, this.appliedSeq.get(p) ?? 0);
    const first = rows[0];
    if (!first) {
      // Nothing stored past what we think Redis has: then Redis has more (a rebuild took newer
      // seqs); the in-memory deltas will ask it.
      if (!this.unapplied.get(p)?.length || !this.appliedSeq.has(p)) return "idle";
      this.appliedSeq.delete(p);
      return "applied";
    }
    const merged = new MinuteCounts();
    let toSeq = first.seq - 1;
    for (const row of rows) {
      // A hole (a row not written yet) ends the run; a later pass takes the rest.
      if (row.seq !== toSeq + 1 || (toSeq >= first.seq && merged.size >= this.applyMaxCells)) break;
      row.addTo(merged);
      toSeq = row.seq;
    }
    return this.apply({ partition: p, fromSeq: first.seq, toSeq }, merged);
  }

  /**
   * One apply: on success, or when Redis says it has these seqs already, the partition moves on;
   * a seq missing in Redis (a gap) leaves it to the outbox.
   */
  private async apply(range: SeqRange, counts: MinuteCounts): Promise<ApplyOutcome> {
    const r = await this.opts.live.apply(range, counts);
    this.opts.metrics.redisApplies.inc({ result: r.kind });
    if (r.kind === "not_ready") return "not_ready";
    const p = range.partition;
    const last = r.kind === "applied" ? range.toSeq : r.lastApplied;
    const moved = r.kind === "applied" || last > (this.appliedSeq.get(p) ?? -1);
    this.appliedSeq.set(p, last);
    if (last > 0) this.appliedOutbox.push({ partition: p, seq: last });
    if (r.kind === "applied") this.observeVisible(p, last);
    this.dropUnapplied(p, last);
    return moved ? "applied" : "idle";
  }

  /** The newest record of the checkpoints of `p` now in Redis: its ingest → visible latency. */
  private observeVisible(p: number, seq: number): void {
    let newest: number | undefined;
    for (const u of this.unapplied.get(p) ?? []) {
      if (u.seq > seq) break;
      if (u.ingestMs !== undefined && (newest === undefined || u.ingestMs > newest)) newest = u.ingestMs;
    }
    if (newest === undefined) return;
    const now = (this.opts.now ?? Date.now)();
    this.opts.metrics.ingestToVisibleSeconds.observe(Math.max(0, now - newest) / 1000);
  }

  /** Forgets the in-memory deltas of `p` up to `seq` (all of them when seq is undefined). */
  private dropUnapplied(p: number, seq?: number): void {
    const queue = this.unapplied.get(p);
    if (!queue) return;
    while (queue.length > 0 && (seq === undefined || queue[0]!.seq <= seq)) this.unappliedCells -= queue.shift()!.cells;
  }
}
