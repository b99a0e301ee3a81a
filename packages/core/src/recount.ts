// Reconciliation's recount, pure: a partition's log replayed through the live operator itself
// (ClickAggregator: parse → validate → dedup → window), keeping the cells of one event-time range
// (and optionally some ads), and the comparison of those cells with the stored rollups.
import { type AggregatorOptions, ClickAggregator, type Decision } from "./aggregator";
import { DEFAULT_MAX_FUTURE_SKEW_MS } from "./click";
import { MinuteCounts } from "./counts";
import { DEFAULT_DEDUP_HORIZON_MS } from "./dedup";
import { MINUTE_MS, minuteOf } from "./time";

/** Event time [fromMs, toMs), whole minutes; `adIds` narrows it to some ads. */
export interface RecountRange {
  fromMs: number;
  toMs: number;
  adIds?: readonly string[];
}

/**
 * How far before the range a partition must be read from, by record timestamp, so that the
 * recount's dedup state equals the live one for every click of the range: the dedup horizon
 * (a duplicate's first copy is at most that much older in event time), the future skew (a click
 * may be stamped that much ahead of its record), and `marginMs` for record timestamps that are
 * not in offset order (several producers' clocks on one partition).
 */
export function recountReadFrom(range: RecountRange, opts: AggregatorOptions, marginMs = 5 * MINUTE_MS): number {
  const horizon = opts.dedupHorizonMs ?? DEFAULT_DEDUP_HORIZON_MS;
  const skew = opts.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
  return minuteOf(range.fromMs - horizon) - skew - marginMs;
}

/** Records fed, by the operator's decision. */
export type RecountStats = Partial<Record<Decision["kind"], number>> & { records: number };

/** Records between two moves of the operator's counts into the range's (bounded memory). */
const FLUSH_EVERY = 65_536;

export class RangeRecount {
  private readonly op: ClickAggregator;
  private readonly expected = new MinuteCounts();
  private readonly ads: ReadonlySet<string> | undefined;
  private readonly stats = new Map<Decision["kind"], number>();
  private records = 0;
  private sinceFlush = 0;

  constructor(
    readonly range: RecountRange,
    opts: AggregatorOptions,
  ) {
    if (range.fromMs % MINUTE_MS !== 0 || range.toMs % MINUTE_MS !== 0 || range.toMs <= range.fromMs)
      throw new RangeError("a recount range is whole minutes, from before to");
    this.op = new ClickAggregator(opts);
    this.ads = range.adIds && range.adIds.length > 0 ? new Set(range.adIds) : undefined;
  }

  /**
   * Starts a partition with empty dedup state: read from recountReadFrom on, it decides every
   * click of the range as the live path did. Its records must then come in offset order.
   */
  startPartition(partition: number): void {
    this.op.assign(partition, undefined, 0);
  }

  /** One record of the log: the same call, with the same arguments, as the live worker makes. */
  feed(partition: number, offset: number, value: Uint8Array | string | null, recordTimeMs: number): Decision {
    const d = this.op.process(partition, offset, value, recordTimeMs, recordTimeMs);
    this.stats.set(d.kind, (this.stats.get(d.kind) ?? 0) + 1);
    this.records++;
    if (++this.sinceFlush >= FLUSH_EVERY) this.flush();
    return d;
  }

  /** Moves the operator's counts into the range's cells (those of other minutes or ads dropped). */
  private flush(): void {
    this.sinceFlush = 0;
    const plan = this.op.plan(0);
    const { fromMs, toMs } = this.range;
    for (const pp of plan.partitions)
      for (const [minute, country, byAd] of pp.counts.groups()) {
        if (minute < fromMs || minute >= toMs) continue;
        for (const [adId, clicks] of byAd)
          if (this.ads === undefined || this.ads.has(adId)) this.expected.add(minute, country, adId, clicks);
      }
  }

  /** The range's cells as the live path counts them from the records fed so far. */
  result(): MinuteCounts {
    this.flush();
    return this.expected;
  }

  summary(): RecountStats {
    return { records: this.records, ...Object.fromEntries(this.stats) };
  }
}

/** A cell the rollups hold differently from the recount. */
export interface Mismatch {
  adId: string;
  minute: number;
  country: string;
  expected: number;
  actual: number;
}

/**
 * Every cell where `expected` and `actual` differ (a missing cell is 0), by ad, minute, country.
 * Walks the nested maps: one flat map of every cell would pass V8's limit of 2^24 entries within
 * an hour at the book's rate (17M cells).
 */
export function diffCells(expected: MinuteCounts, actual: MinuteCounts): Mismatch[] {
  const out: Mismatch[] = [];
  for (const [minute, country, byAd] of expected.groups())
    for (const [adId, clicks] of byAd) {
      const got = actual.get(minute, country, adId) ?? 0;
      if (got !== clicks) out.push({ adId, minute, country, expected: clicks, actual: got });
    }
  for (const [minute, country, byAd] of actual.groups())
    for (const [adId, clicks] of byAd)
      if (clicks !== 0 && expected.get(minute, country, adId) === undefined)
        out.push({ adId, minute, country, expected: 0, actual: clicks });
  return out.sort((x, y) =>
    x.adId !== y.adId
      ? x.adId < y.adId
        ? -1
        : 1
      : x.minute !== y.minute
        ? x.minute - y.minute
        : x.country < y.country
          ? -1
          : x.country > y.country
            ? 1
            : 0,
  );
}
