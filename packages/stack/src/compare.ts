// Compares what the partner REST API reports with a generator's ground truth: per ad over the
// whole stream first (cheap, polled until equal), then every (ad, minute, country) cell.
import { MINUTE_MS } from "@adclicks/core";
import type { GroundTruth } from "@adclicks/generator";

export interface ApiClient {
  apiUrl: string;
  apiKey: string;
}

export interface Comparison {
  /** Valid distinct clicks in the ground truth. */
  expected: number;
  /** Clicks the API reports over the same ads and minutes. */
  counted: number;
  /** Clicks of the truth the API does not show (summed over cells where it shows fewer). */
  lost: number;
  /** Clicks the API shows beyond the truth (summed over cells where it shows more). */
  doubleCounted: number;
  cellsCompared: number;
  cellsDiffering: number;
  /** A few differing cells, for the report. */
  examples: string[];
}

async function getJson<T>(c: ApiClient, path: string): Promise<T> {
  const res = await fetch(`${c.apiUrl}${path}`, { headers: { authorization: `Bearer ${c.apiKey}` } });
  if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The count of one ad in [fromMs, toMs), optionally in one country, through REST. */
export async function aggregatedCount(
  c: ApiClient,
  adId: string,
  fromMs: number,
  toMs: number,
  country?: string,
): Promise<number> {
  const q = new URLSearchParams({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
  if (country) q.set("country", country);
  return (await getJson<{ count: number }>(c, `/ads/${encodeURIComponent(adId)}/aggregated_count?${q}`)).count;
}

async function breakdown(c: ApiClient, adId: string, minuteMs: number): Promise<Map<string, number>> {
  const q = new URLSearchParams({
    dimension: "country",
    from: new Date(minuteMs).toISOString(),
    to: new Date(minuteMs + MINUTE_MS).toISOString(),
  });
  const r = await getJson<{ rows: { value: string; count: number }[] }>(
    c,
    `/ads/${encodeURIComponent(adId)}/breakdown?${q}`,
  );
  return new Map(r.rows.map((x) => [x.value, x.count]));
}

/** Runs `f` over `items`, `concurrency` at a time. */
async function pool<T, R>(items: T[], concurrency: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

function span(truth: GroundTruth): { fromMs: number; toMs: number; minutes: number[] } {
  const minutes = [...new Set(truth.rows().map((r) => r.minuteMs))].sort((a, b) => a - b);
  const fromMs = minutes[0] ?? 0;
  const toMs = (minutes.at(-1) ?? 0) + MINUTE_MS;
  const all: number[] = [];
  for (let m = fromMs; m < toMs; m += MINUTE_MS) all.push(m);
  return { fromMs, toMs, minutes: all };
}

/** Per-ad totals over the stream's minutes: true when every ad's equals the truth. */
export async function totalsMatch(c: ApiClient, truth: GroundTruth, ads: string[]): Promise<boolean> {
  const { fromMs, toMs } = span(truth);
  const perAd = truth.perAd();
  const got = await pool(ads, 8, (ad) => aggregatedCount(c, ad, fromMs, toMs));
  return ads.every((ad, i) => got[i] === (perAd.get(ad) ?? 0));
}

/**
 * Per-ad totals through the live path: `minutes=M` is answered from the Redis live windows (the
 * last M minutes ending with the newest minute with clicks), which must cover the whole stream.
 */
export async function liveTotalsMatch(c: ApiClient, truth: GroundTruth, ads: string[], minutes = 15): Promise<boolean> {
  const perAd = truth.perAd();
  const got = await pool(ads, 8, async (ad) => {
    const q = new URLSearchParams({ minutes: String(minutes) });
    return (await getJson<{ count: number }>(c, `/ads/${encodeURIComponent(ad)}/aggregated_count?${q}`)).count;
  });
  return ads.every((ad, i) => got[i] === (perAd.get(ad) ?? 0));
}

/** Every (ad, minute, country) over the stream's minutes and the given ads. */
export async function compareCells(c: ApiClient, truth: GroundTruth, ads: string[]): Promise<Comparison> {
  const { minutes } = span(truth);
  const want = truth.asMap();
  const pairs = ads.flatMap((ad) => minutes.map((m) => [ad, m] as const));
  const got = await pool(pairs, 8, ([ad, m]) => breakdown(c, ad, m));
  const result: Comparison = {
    expected: truth.clicks,
    counted: 0,
    lost: 0,
    doubleCounted: 0,
    cellsCompared: 0,
    cellsDiffering: 0,
    examples: [],
  };
  const seen = new Set<string>();
  const check = (key: string, expected: number, actual: number) => {
    result.cellsCompared++;
    result.counted += actual;
    if (actual === expected) return;
    result.cellsDiffering++;
    if (actual < expected) result.lost += expected - actual;
    else result.doubleCounted += actual - expected;
    if (result.examples.length < 5)
      result.examples.push(`${key.replaceAll("\t", " ")}: API ${actual}, truth ${expected}`);
  };
  pairs.forEach(([ad, m], i) => {
    for (const [country, n] of got[i]!) {
      const key = `${ad}\t${m}\t${country}`;
      seen.add(key);
      check(key, want.get(key) ?? 0, n);
    }
  });
  const adSet = new Set(ads);
  for (const [key, n] of want) {
    if (seen.has(key) || !adSet.has(key.slice(0, key.indexOf("\t")))) continue;
    check(key, n, 0);
  }
  return result;
}
