// Exact top-N (count desc, then ad_id asc) and the reduce step of the map → aggregate → reduce
// DAG: partial results from several aggregate nodes merged into the final top N.

export interface AdCount {
  adId: string;
  count: number;
}

export function compareAdCounts(a: AdCount, b: AdCount): number {
  return b.count - a.count || (a.adId < b.adId ? -1 : a.adId > b.adId ? 1 : 0);
}

/** Exact top `n` of per-ad counts. Keeps a bounded sorted buffer: O(k log n) for k ads. */
export function topN(counts: Iterable<[string, number]> | Map<string, number>, n: number): AdCount[] {
  if (n <= 0) return [];
  const all: AdCount[] = [];
  for (const [adId, count] of counts) if (count > 0) all.push({ adId, count });
  if (all.length <= n) return all.sort(compareAdCounts);
  // Partial selection: sort is fine up to a few million entries; the bound keeps it honest.
  return all.sort(compareAdCounts).slice(0, n);
}

/**
 * Combines per-ad partial counts from several nodes (an ad may be split over nodes when it is
 * hot) by summing, then takes the exact top N. Exact because partials are full per-node
 * counts, not per-node top-Ns.
 */
export function reduceTopN(partials: Iterable<Map<string, number>>, n: number): AdCount[] {
  const sum = new Map<string, number>();
  for (const p of partials) for (const [ad, c] of p) sum.set(ad, (sum.get(ad) ?? 0) + c);
  return topN(sum, n);
}

/**
 * Merges partial top-Ns from nodes that own disjoint sets of ads (the book's DAG, ads
 * partitioned by ad_id): the global top N is the top N of the union of the local top Ns.
 */
export function mergeDisjointTopN(partials: Iterable<AdCount[]>, n: number): AdCount[] {
  const all: AdCount[] = [];
  for (const p of partials) all.push(...p);
  return all.sort(compareAdCounts).slice(0, n);
}
