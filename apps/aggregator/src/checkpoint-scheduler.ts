// When the worker checkpoints: every interval, one write in flight at a time, the plan that fell
// due meanwhile taken as soon as it is done, counting held back when too many clicks await a
// plan, and a final checkpoint on stop. What a checkpoint writes is the worker's `write`.
import type { Logger } from "pino";
import type { Clock } from "./clock";

/** Clicks counted but not yet in a checkpoint plan past which counting waits for the write in flight. */
export const MAX_UNPLANNED_CLICKS = 500_000;

export interface CheckpointSchedulerOptions {
  clock: Clock;
  intervalMs: number;
  maxUnplannedClicks?: number;
  /** Clicks counted since the last plan. */
  unplannedClicks(): number;
  /** Takes a plan at once (before its first await) and writes it. */
  write(): Promise<void>;
  /** A write that failed: its plan's counts are gone with it. */
  onWriteFailed(err: unknown): void;
  /** The worker's serial queue: a plan is taken between two batches, never during one. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  stopping(): boolean;
  log: Logger;
}

export class CheckpointScheduler {
  private lastAt = 0;
  private inflight: Promise<void> | undefined;
  private queued = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: CheckpointSchedulerOptions) {}

  /** Ticks at half the interval: a partition with no batches still gets checkpointed. */
  start(): void {
    const every = Math.max(25, Math.floor(this.opts.intervalMs / 2));
    this.timer = setInterval(() => this.tick(), every);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  tick(): void {
    // A write in flight takes the next plan itself when it is done.
    if (!this.opts.stopping() && !this.inflight && this.due()) this.schedule();
  }

  due(): boolean {
    return this.opts.clock.now() - this.lastAt >= this.opts.intervalMs;
  }

  /** Called at the end of each batch, in the serial queue: checkpoints if one is due. */
  async afterBatch(): Promise<void> {
    if (this.due()) await this.checkpoint();
  }

  /** The final checkpoint on stop: after the write in flight, whatever is left is written. */
  final(): Promise<void> {
    return this.opts.exclusive(() => this.checkpoint(true));
  }

  /** Queues a checkpoint behind the batches already queued (one at a time). */
  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    this.opts
      .exclusive(() => {
        this.queued = false;
        return this.checkpoint();
      })
      .catch((err) => this.opts.log.error({ err }, "checkpoint failed"));
  }

  /**
   * Takes a plan and writes it in the background, so the next batches are counted while Postgres
   * works. One write is in flight at a time: a plan that falls due meanwhile is taken when it is
   * done, and counting goes on until the unplanned clicks pile up past the limit (that is the
   * backpressure) or `wait` asks for a checkpoint now.
   */
  private async checkpoint(wait = false): Promise<void> {
    if (this.inflight) {
      if (!wait && this.opts.unplannedClicks() < (this.opts.maxUnplannedClicks ?? MAX_UNPLANNED_CLICKS)) return;
      await this.inflight;
    }
    this.lastAt = this.opts.clock.now();
    const write = this.opts.write().catch((err) => this.opts.onWriteFailed(err));
    this.inflight = write.finally(() => {
      this.inflight = undefined;
      if (!this.opts.stopping() && this.due()) this.schedule();
    });
    if (wait) await this.inflight;
  }
}
