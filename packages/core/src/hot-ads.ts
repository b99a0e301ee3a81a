// Hot-ad splitting: an ad clicked faster than a threshold is spread over several Kafka keys
// (so over partitions and workers) by a hash of event_id — a duplicate always gets the same
// key as its original, so per-partition dedup still sees both. Counts are merged by ad_id
// downstream (rollup upserts and sorted-set increments add up), which is the reduce step.

/** FNV-1a, 32-bit: cheap and stable across languages. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The Kafka key of a click: its ad_id, or `ad_id#slot` for a hot ad. */
export function clickKey(adId: string, eventId: string, slots: number): string {
  return slots <= 1 ? adId : `${adId}#${fnv1a(eventId.toLowerCase()) % slots}`;
}

export interface HotAdOptions {
  /** Clicks per second above which an ad is hot. */
  thresholdPerSec: number;
  /** How many keys a hot ad is split over. */
  slots: number;
  /** Length of the rate-measuring window. */
  windowMs?: number;
}

/**
 * Measures per-ad rates over fixed windows and says how many slots an ad gets. A decision
 * holds for the next window, so a burst is split within at most one window.
 */
export class HotAdDetector {
  private readonly windowMs: number;
  private windowStart = 0;
  private current = new Map<string, number>();
  private hot = new Set<string>();

  constructor(private readonly opts: HotAdOptions) {
    this.windowMs = opts.windowMs ?? 1_000;
  }

  /** Records one click of `adId` at wall-clock `nowMs` and returns its slot count. */
  record(adId: string, nowMs: number): number {
    if (nowMs - this.windowStart >= this.windowMs) this.roll(nowMs);
    this.current.set(adId, (this.current.get(adId) ?? 0) + 1);
    return this.hot.has(adId) ? this.opts.slots : 1;
  }

  isHot(adId: string): boolean {
    return this.hot.has(adId);
  }

  private roll(nowMs: number): void {
    const limit = (this.opts.thresholdPerSec * this.windowMs) / 1000;
    const elapsed = nowMs - this.windowStart;
    this.hot = new Set();
    // Only the window just ended counts; a gap longer than a window means nothing is hot.
    if (elapsed < 2 * this.windowMs) for (const [ad, n] of this.current) if (n > limit) this.hot.add(ad);
    this.current = new Map();
    this.windowStart = nowMs - (nowMs % this.windowMs);
  }
}
