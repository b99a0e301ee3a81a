// Click counts per (event-time minute, country, ad): the star-schema cells. Accumulated
// between checkpoints and flushed as deltas; totals are sums over countries.

/** One cell delta: clicks of `adId` in `minute` from `country`. */
export interface CountDelta {
  minute: number;
  country: string;
  adId: string;
  clicks: number;
}

export class MinuteCounts {
  private readonly cells = new Map<number, Map<string, Map<string, number>>>();
  private total = 0;

  add(minute: number, country: string, adId: string, clicks = 1): void {
    let byCountry = this.cells.get(minute);
    if (!byCountry) {
      byCountry = new Map();
      this.cells.set(minute, byCountry);
    }
    let byAd = byCountry.get(country);
    if (!byAd) {
      byAd = new Map();
      byCountry.set(country, byAd);
    }
    byAd.set(adId, (byAd.get(adId) ?? 0) + clicks);
    this.total += clicks;
  }

  /** A cell's clicks, or undefined when it was never added. */
  get(minute: number, country: string, adId: string): number | undefined {
    return this.cells.get(minute)?.get(country)?.get(adId);
  }

  /** Clicks added since the last clear. */
  get clicks(): number {
    return this.total;
  }

  /** Number of distinct cells. */
  get size(): number {
    let n = 0;
    for (const byCountry of this.cells.values()) for (const byAd of byCountry.values()) n += byAd.size;
    return n;
  }

  get isEmpty(): boolean {
    return this.total === 0;
  }

  minutes(): number[] {
    return [...this.cells.keys()].sort((a, b) => a - b);
  }

  /** The cells by (minute, country): the per-ad map of each group, not to be changed. */
  *groups(): IterableIterator<[minute: number, country: string, byAd: ReadonlyMap<string, number>]> {
    for (const [minute, byCountry] of this.cells)
      for (const [country, byAd] of byCountry) yield [minute, country, byAd];
  }

  *deltas(): IterableIterator<CountDelta> {
    for (const [minute, byCountry] of this.cells)
      for (const [country, byAd] of byCountry)
        for (const [adId, clicks] of byAd) yield { minute, country, adId, clicks };
  }

  /**
   * Cells grouped by (minute, country): [minute, country, k, ad₁, clicks₁, …, ad_k, clicks_k]*.
   * The Redis outbox and live-window format: each group's keys are resolved once.
   */
  grouped(): (string | number)[] {
    const out: (string | number)[] = [];
    for (const [minute, byCountry] of this.cells)
      for (const [country, byAd] of byCountry) {
        out.push(minute, country, byAd.size);
        for (const [adId, clicks] of byAd) out.push(adId, clicks);
      }
    return out;
  }

  /** Adds cells in the `grouped()` format; throws on a malformed array (it comes from storage). */
  addGrouped(groups: readonly unknown[]): void {
    let i = 0;
    while (i < groups.length) {
      const [minute, country, k] = [groups[i], groups[i + 1], groups[i + 2]];
      if (
        typeof minute !== "number" ||
        typeof country !== "string" ||
        typeof k !== "number" ||
        i + 3 + 2 * k > groups.length
      ) {
        throw new Error(`malformed grouped counts at index ${i}`);
      }
      for (let j = i + 3; j < i + 3 + 2 * k; j += 2) {
        const [adId, clicks] = [groups[j], groups[j + 1]];
        if (typeof adId !== "string" || typeof clicks !== "number")
          throw new Error(`malformed grouped cell at index ${j}`);
        this.add(minute, country, adId, clicks);
      }
      i += 3 + 2 * k;
    }
  }

  mergeFrom(other: MinuteCounts): void {
    for (const d of other.deltas()) this.add(d.minute, d.country, d.adId, d.clicks);
  }

  clear(): void {
    this.cells.clear();
    this.total = 0;
  }
}
