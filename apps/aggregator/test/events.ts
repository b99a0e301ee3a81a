// Test traffic for the aggregator: deterministic clicks (seeded), with duplicates, out-of-order,
// late and malformed events mixed in, and the ground truth computed independently of the code
// under test (plain maps over the events that are valid and distinct).
import { MINUTE_MS } from "@adclicks/core";
import { createRng, uuidFrom } from "@adclicks/generator";

export interface TrafficSpec {
  count: number;
  seed: number;
  startMs: number;
  spanMs: number;
  ads?: number;
  countries?: string[];
  duplicateRatio?: number;
  outOfOrderRatio?: number;
  lateRatio?: number;
  malformedRatio?: number;
}

export interface Traffic {
  messages: { key: string; value: string }[];
  /** `${adId}|${minuteMs}|${country}` -> clicks, over valid distinct events. */
  truth: Map<string, number>;
  malformed: number;
  duplicates: number;
  late: number;
}

export function cellKey(adId: string, minute: number, country: string): string {
  return `${adId}|${minute}|${country}`;
}

export function makeTraffic(spec: TrafficSpec): Traffic {
  const rng = createRng(spec.seed);
  const rand = () => rng.next();
  const ads = spec.ads ?? 500;
  const countries = spec.countries ?? ["US", "DE", "FR", "JP", "BR"];
  const messages: { key: string; value: string }[] = [];
  const truth = new Map<string, number>();
  const sent: { key: string; value: string }[] = [];
  let malformed = 0;
  let duplicates = 0;
  let late = 0;
  for (let i = 0; i < spec.count; i++) {
    const r = rand();
    if (r < (spec.malformedRatio ?? 0)) {
      const bad = ['{"event_id": "oops"', "not json at all", '{"ad_id":"ad-1"}', "[]"][i % 4]!;
      messages.push({ key: "ad-bad", value: bad });
      malformed++;
      continue;
    }
    if (r < (spec.malformedRatio ?? 0) + (spec.duplicateRatio ?? 0) && sent.length > 0) {
      // A re-send of a recent event: same id, same event time (a retrying client).
      const orig = sent[sent.length - 1 - Math.floor(rand() * Math.min(sent.length, 2000))]!;
      messages.push(orig);
      duplicates++;
      continue;
    }
    let ts = spec.startMs + Math.floor((i / spec.count) * spec.spanMs);
    const kind = rand();
    if (kind < (spec.lateRatio ?? 0)) {
      ts -= 2 * MINUTE_MS + Math.floor(rand() * MINUTE_MS);
      late++;
    } else if (kind < (spec.lateRatio ?? 0) + (spec.outOfOrderRatio ?? 0)) {
      ts -= Math.floor(rand() * 10_000);
    }
    // Zipf-ish popularity: a few ads get most clicks.
    const ad = `ad-${Math.floor(ads ** rand()) - 1}`;
    const country = countries[Math.floor(rand() * countries.length)]!;
    const value = JSON.stringify({
      event_id: uuidFrom(rng),
      ad_id: ad,
      click_timestamp: i % 3 === 0 ? new Date(ts).toISOString() : ts,
      user_id: `u-${Math.floor(rand() * 5000)}`,
      ip: `10.${i % 250}.${Math.floor(rand() * 250)}.${Math.floor(rand() * 250)}`,
      country: i % 7 === 0 ? country.toLowerCase() : country,
    });
    const msg = { key: ad, value };
    messages.push(msg);
    sent.push(msg);
    const k = cellKey(ad, ts - (ts % MINUTE_MS), country);
    truth.set(k, (truth.get(k) ?? 0) + 1);
  }
  return { messages, truth, malformed, duplicates, late };
}

export function sumValues(m: Map<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}
