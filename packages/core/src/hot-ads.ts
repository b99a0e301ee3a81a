// Hot-ad splitting: an ad clicked faster than a threshold is spread over several Kafka keys
// (so over partitions and workers) by a hash of event_id. Counts are merged by ad_id downstream
// (rollup upserts and sorted-set increments add up), which is the reduce step.
//
// Dedup is per partition, so an event and its duplicates must get the same key. The decision
// is therefore not a producer's own rate estimate (two collectors, or one before and after a
// burst, would disagree) but a list per event-time minute, written once by the aggregator from
// the final counts of an earlier minute, at least a lead time before that minute begins. Every
// producer reads the same lists, and duplicates carry the same event time: same list, same key.
import { MINUTE_MS, minuteOf } from "./time";

/** FNV-1a, 32-bit: cheap and stable across languages. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The Kafka key of a click: its ad_id, or `ad_id#slot` for a hot ad split over `slots` keys. */
export function clickKey(adId: string, eventId: string, slots: number): string {
  return slots <= 1 ? adId : `${adId}#${fnv1a(eventId.toLowerCase()) % slots}`;
}

/** `adId` is split over `slots` keys for clicks whose event time is in `minute`. */
export interface HotAdEntry {
  minute: number;
  adId: string;
  slots: number;
}

/** How far ahead of its minute a hot list is written, so every producer has it in time. */
export const HOT_LIST_LEAD_MS = 30_000;
/** The hot list of minute T comes from the final counts of minute T - 2. */
export const HOT_LIST_DELAY_MINUTES = 2;

/**
 * The minute whose hot list the final counts of `finalMinute` decide: two minutes later, or,
 * when finality lags, the first minute starting at least HOT_LIST_LEAD_MS from now — a list
 * must never change once a producer may be routing clicks of its minute.
 */
export function hotListMinute(finalMinute: number, nowMs: number): number {
  const earliest = minuteOf(nowMs + HOT_LIST_LEAD_MS + MINUTE_MS - 1); // first minute start ≥ now + lead
  return Math.max(finalMinute + HOT_LIST_DELAY_MINUTES * MINUTE_MS, earliest);
}

/** A producer's view of the hot lists: routes each click by its event-time minute's list. */
export class HotAdRouter {
  private byMinute = new Map<number, Map<string, number>>();

  /** Replaces the known lists (the producer re-reads recent ones periodically). */
  load(entries: Iterable<HotAdEntry>): void {
    const next = new Map<number, Map<string, number>>();
    for (const e of entries) {
      let ads = next.get(e.minute);
      if (!ads) {
        ads = new Map();
        next.set(e.minute, ads);
      }
      ads.set(e.adId, e.slots);
    }
    this.byMinute = next;
  }

  /** Slots of `adId` for a click at `eventMs` (1: not split). */
  slots(adId: string, eventMs: number): number {
    return this.byMinute.get(minuteOf(eventMs))?.get(adId) ?? 1;
  }

  keyFor(adId: string, eventId: string, eventMs: number): string {
    return clickKey(adId, eventId, this.slots(adId, eventMs));
  }

  /** What `load` was given (a snapshot, e.g. to hand to another thread). */
  entries(): HotAdEntry[] {
    const out: HotAdEntry[] = [];
    for (const [minute, ads] of this.byMinute) for (const [adId, slots] of ads) out.push({ minute, adId, slots });
    return out;
  }

  /** Number of (minute, ad) entries known. */
  get size(): number {
    let n = 0;
    for (const ads of this.byMinute.values()) n += ads.size;
    return n;
  }
}
