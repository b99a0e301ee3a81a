// What the pipeline must report for generated traffic: clicks per (ad, event-time minute,
// country) over valid, distinct events, plus totals per kind. Serializable for tests and benches.
import type { EventKind } from "./events";

export interface TruthRow {
  adId: string;
  /** Start of the event-time minute, epoch ms (UTC). */
  minuteMs: number;
  country: string;
  clicks: number;
}

export interface GroundTruthFile {
  version: 1;
  totals: Record<EventKind, number>;
  /** [ad_id, minute_ms, country, clicks] */
  rows: Array<[string, number, string, number]>;
}

export class GroundTruth {
  private readonly counts = new Map<string, number>();
  readonly totals: Record<EventKind, number> = { valid: 0, late: 0, duplicate: 0, malformed: 0 };

  /** Records one event as sent; only `valid`/`late` ones with a click count towards the rows. */
  record(e: { kind: EventKind; click?: { adId: string; ts: number; country: string } }): void {
    this.totals[e.kind]++;
    if (e.click && (e.kind === "valid" || e.kind === "late")) this.addClick(e.click);
  }

  addClick(c: { adId: string; ts: number; country: string }): void {
    const minute = c.ts - (((c.ts % 60_000) + 60_000) % 60_000);
    const key = `${c.adId}\t${minute}\t${c.country}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Valid, distinct clicks recorded. */
  get clicks(): number {
    return this.totals.valid + this.totals.late;
  }

  rows(): TruthRow[] {
    const out: TruthRow[] = [];
    for (const [key, clicks] of this.counts) {
      const [adId, minute, country] = key.split("\t") as [string, string, string];
      out.push({ adId, minuteMs: Number(minute), country, clicks });
    }
    out.sort((a, b) => a.minuteMs - b.minuteMs || a.adId.localeCompare(b.adId) || a.country.localeCompare(b.country));
    return out;
  }

  /** Clicks per ad over all minutes and countries. */
  perAd(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, n] of this.counts) {
      const adId = key.slice(0, key.indexOf("\t"));
      out.set(adId, (out.get(adId) ?? 0) + n);
    }
    return out;
  }

  /** Map from "ad\tminuteMs\tcountry" to clicks: convenient for comparing with a query result. */
  asMap(): ReadonlyMap<string, number> {
    return this.counts;
  }

  merge(other: GroundTruth): void {
    for (const [k, n] of other.counts) this.counts.set(k, (this.counts.get(k) ?? 0) + n);
    for (const k of Object.keys(this.totals) as EventKind[]) this.totals[k] += other.totals[k];
  }

  toJSON(): GroundTruthFile {
    return {
      version: 1,
      totals: { ...this.totals },
      rows: this.rows().map((r) => [r.adId, r.minuteMs, r.country, r.clicks]),
    };
  }

  static fromJSON(file: GroundTruthFile): GroundTruth {
    if (file.version !== 1) throw new Error(`ground truth: unsupported version ${String(file.version)}`);
    const t = new GroundTruth();
    Object.assign(t.totals, file.totals);
    for (const [adId, minute, country, clicks] of file.rows) t.counts.set(`${adId}\t${minute}\t${country}`, clicks);
    return t;
  }
}

/** The same key GroundTruth uses, for building comparable maps from query results. */
export function truthKey(adId: string, minuteMs: number, country: string): string {
  return `${adId}\t${minuteMs}\t${country}`;
}
