// Bounded-out-of-orderness watermarks per partition, combined as the minimum over partitions
// that are not idle (Flink's WatermarkStrategy.forBoundedOutOfOrderness(...).withIdleness(...)),
// and never ahead of the clock.

export const DEFAULT_ALLOWED_LATENESS_MS = 15_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

interface PartitionClock {
  maxTs: number;
  /** Wall-clock time the partition last carried an event. */
  activeAt: number;
}

export interface WatermarkOptions {
  allowedLatenessMs?: number;
  idleTimeoutMs?: number;
}

export class WatermarkTracker {
  readonly allowedLatenessMs: number;
  readonly idleTimeoutMs: number;
  private readonly partitions = new Map<number, PartitionClock>();

  constructor(opts: WatermarkOptions = {}) {
    this.allowedLatenessMs = opts.allowedLatenessMs ?? DEFAULT_ALLOWED_LATENESS_MS;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  /** An event (or a checkpoint of another worker) says partition `p` reached event time `ts`. */
  observe(p: number, ts: number, activeAt: number): void {
    const c = this.partitions.get(p);
    if (!c) this.partitions.set(p, { maxTs: ts, activeAt });
    else {
      if (ts > c.maxTs) c.maxTs = ts;
      if (activeAt > c.activeAt) c.activeAt = activeAt;
    }
  }

  /**
   * A partition we own but have not read from yet: it holds the watermark back (its events may
   * be older than everyone else's) until it shows progress or turns idle.
   */
  register(p: number, activeAt: number): void {
    if (!this.partitions.has(p)) this.partitions.set(p, { maxTs: Number.NEGATIVE_INFINITY, activeAt });
  }

  maxEventTime(p: number): number | undefined {
    return this.partitions.get(p)?.maxTs;
  }

  forget(p: number): void {
    this.partitions.delete(p);
  }

  /**
   * The combined watermark at wall-clock `nowMs`: no event at or before it is still expected.
   * A partition's event time counts only up to the clock: clicks stamped ahead of it (a clock
   * running fast within the allowed skew, or a producer that writes its own record timestamps)
   * cannot make a minute final before the clock has passed its end by the allowed lateness.
   * Idle partitions (no event for idleTimeoutMs) are left out so they cannot stall it; when all
   * are idle, the most advanced one decides (nothing else is in flight).
   */
  current(nowMs: number): number | undefined {
    let active: number | undefined;
    let any: number | undefined;
    for (const c of this.partitions.values()) {
      const wm = Math.min(c.maxTs, nowMs) - this.allowedLatenessMs - 1;
      if (any === undefined || wm > any) any = wm;
      if (nowMs - c.activeAt < this.idleTimeoutMs && (active === undefined || wm < active)) active = wm;
    }
    const wm = active ?? any;
    return wm !== undefined && Number.isFinite(wm) ? wm : undefined;
  }
}
