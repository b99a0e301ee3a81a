// Rate control for the generator: how many events are due at a given instant for a target
// rate, catching up after a slow tick instead of drifting. Pure: the caller passes the clock.

export class Pacer {
  private emitted = 0;

  /** `ratePerSec` 0 means "as fast as possible". */
  constructor(
    private readonly ratePerSec: number,
    private readonly startMs: number,
    /** Never let a stall turn into a burst larger than this many seconds of traffic. */
    private readonly maxCatchUpS = 2,
  ) {}

  get unlimited(): boolean {
    return this.ratePerSec <= 0;
  }

  /** Events due now (never negative); call `took(n)` for those actually generated. */
  due(nowMs: number): number {
    if (this.unlimited) return Number.POSITIVE_INFINITY;
    const target = Math.floor(((nowMs - this.startMs) * this.ratePerSec) / 1000);
    const behind = target - this.emitted;
    const cap = Math.max(1, Math.ceil(this.ratePerSec * this.maxCatchUpS));
    if (behind > cap) {
      // Forget the backlog beyond the cap: a paused generator resumes at its rate, not in a flood.
      this.emitted = target - cap;
      return cap;
    }
    return Math.max(0, behind);
  }

  took(n: number): void {
    this.emitted += n;
  }

  /** Milliseconds until at least one more event is due. */
  waitMs(nowMs: number): number {
    if (this.unlimited) return 0;
    const nextAt = this.startMs + ((this.emitted + 1) * 1000) / this.ratePerSec;
    return Math.max(0, Math.ceil(nextAt - nowMs));
  }
}
