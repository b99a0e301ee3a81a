// The exact top N over a range that holds whole hours, without summing every ad: a threshold
// algorithm (Fagin's) over the hourly rollups. Each hour touched by the range lists its ads by
// clicks (an index scan); the ads seen in the first k of any list are the candidates, and an ad
// seen in none has at most Σ (k-th clicks of each list). Candidates get bounds from the hourly
// rows (whole hours exact; a partial edge hour at most its whole hour), then exact edge minutes
// only where the bounds leave the answer open, highest upper bounds first (an edge of more than
// half its hour as the hour's row less the rest: edgeBranches). When the N-th count does not beat
// the unseen bound, k grows. Ties are broken by ad_id as every store breaks them (topN of
// @adclicks/core).
import { type AdCount, topN } from "@adclicks/core";
import { sql } from "drizzle-orm";
import { edgeBranches, edgeHours, type HourSplit, hourlyTable, type WholeHourSplit } from "./rollup-span";
import { textArray } from "./sql-fragments";
import { type ClickFilter, HOUR_MS, type QueryDeps } from "./types";

type Db = QueryDeps["db"];

/** Sorted access: the first k ads of each hour's list, and each list's k-th clicks (0 once a list is exhausted). */
async function firstOfEachHour(
  db: Db,
  hoursMs: number[],
  k: number,
  country: string | undefined,
): Promise<{ seen: Set<string>; unseenBound: number }> {
  const table = hourlyTable({ country });
  const byCountry = country === undefined ? sql`` : sql`and country = ${country}`;
  // "desc nulls last" as the (hour, clicks desc) indexes are built: plain "desc" (nulls first)
  // could not read them in order, and Postgres would sort every ad of each hour instead.
  const res = await db.execute<{ h: Date; ad_id: string; clicks: number }>(
    sql`select h.h, x.ad_id, x.clicks from unnest(${sql.param(hoursMs.map((ms) => new Date(ms).toISOString()))}::timestamptz[]) as h(h)
        cross join lateral (select ad_id, clicks from ${table}
                             where hour = h.h ${byCountry} order by clicks desc nulls last limit ${k}) x`,
  );
  const seen = new Set<string>();
  const perHour = new Map<number, { n: number; last: number }>();
  for (const r of res.rows) {
    seen.add(r.ad_id);
    const key = new Date(r.h).getTime();
    const at = perHour.get(key) ?? { n: 0, last: 0 };
    at.n++;
    at.last = Number(r.clicks);
    perHour.set(key, at);
  }
  let unseenBound = 0;
  for (const at of perHour.values()) if (at.n >= k) unseenBound += at.last;
  return { seen, unseenBound };
}

/** Random access: each candidate's clicks in the whole hours (exact) and in the edges' hours (an upper bound of its edge clicks). */
async function hourlyBounds(
  db: Db,
  split: WholeHourSplit,
  adIds: readonly string[],
  country: string | undefined,
): Promise<Map<string, { whole: number; edgeHours: number }>> {
  const edges = edgeHours(split);
  const from = Math.min(split.hours.fromMs, ...edges);
  const to = Math.max(split.hours.toMs, ...edges.map((h) => h + HOUR_MS));
  const byCountry = country === undefined ? sql`` : sql`and country = ${country}`;
  const res = await db.execute<{ ad_id: string; whole: number; edge: number }>(
    sql`select ad_id,
               coalesce(sum(clicks) filter (where hour >= ${new Date(split.hours.fromMs)} and hour < ${new Date(split.hours.toMs)}), 0)::bigint as whole,
               coalesce(sum(clicks) filter (where hour < ${new Date(split.hours.fromMs)} or hour >= ${new Date(split.hours.toMs)}), 0)::bigint as edge
          from ${hourlyTable({ country })}
         where ad_id = any(${textArray(adIds)}) and hour >= ${new Date(from)} and hour < ${new Date(to)} ${byCountry}
         group by ad_id`,
  );
  return new Map(res.rows.map((r) => [r.ad_id, { whole: Number(r.whole), edgeHours: Number(r.edge) }]));
}

/**
 * Exact clicks of some ads in the edges, in one statement (one snapshot: an edge read as its
 * hour less the rest sees the hourly row and the minutes as of the same moment).
 */
async function edgeClicks(
  db: Db,
  split: HourSplit,
  adIds: readonly string[],
  country: string | undefined,
): Promise<Map<string, number>> {
  if (split.edges.length === 0 || adIds.length === 0) return new Map();
  const branches = edgeBranches(split, { country }, { adIds });
  const res = await db.execute<{ ad_id: string; n: number }>(
    sql`select ad_id, sum(clicks)::bigint as n from (${sql.join(branches, sql` union all `)}) as e group by ad_id`,
  );
  return new Map(res.rows.map((r) => [r.ad_id, Number(r.n)]));
}

/**
 * Exact clicks of every candidate that could be in the top N; the others (upper bound below the
 * N-th exact count found) are left out. Edge minutes are summed for the highest upper bounds
 * first, in growing batches: each batch's exact counts raise the floor, so on skewed traffic
 * most candidates are ruled out by their bounds without reading their edge minutes.
 */
async function exactWhereOpen(
  db: Db,
  split: WholeHourSplit,
  bounds: Map<string, { whole: number; edgeHours: number }>,
  n: number,
  country: string | undefined,
): Promise<[string, number][]> {
  const byUpper = [...bounds].map(([id, b]) => ({ id, whole: b.whole, upper: b.whole + b.edgeHours }));
  byUpper.sort((a, b) => b.upper - a.upper);
  // The N-th largest lower bound (whole hours only): an ad whose upper bound is below it is out.
  const lowers = byUpper.map((c) => c.whole).sort((a, b) => b - a);
  let floor = lowers.length >= n ? lowers[n - 1]! : 0;
  const exact: [string, number][] = [];
  let next = 0;
  for (let batch = Math.max(2 * n, 64); next < byUpper.length && byUpper[next]!.upper >= floor; batch *= 4) {
    const open = byUpper.slice(next, next + batch).filter((c) => c.upper >= floor);
    next += batch;
    const edges = await edgeClicks(
      db,
      split,
      open.map((c) => c.id),
      country,
    );
    for (const c of open) exact.push([c.id, c.whole + (edges.get(c.id) ?? 0)]);
    // Exact counts are lower bounds too. A tie with the floor stays in (ad_id breaks it).
    const counts = exact.map(([, v]) => v).sort((a, b) => b - a);
    if (counts.length >= n) floor = Math.max(floor, counts[n - 1]!);
  }
  return exact;
}

/**
 * The exact top N among `candidates` (every ad of a scope) or, with `candidates` null, among all
 * ads; `split` must hold whole hours.
 */
export async function topOverHours(
  deps: Pick<QueryDeps, "db">,
  split: WholeHourSplit,
  n: number,
  filter: ClickFilter,
  candidates: readonly string[] | null,
): Promise<AdCount[]> {
  const hoursMs: number[] = [...edgeHours(split)];
  for (let h = split.hours.fromMs; h < split.hours.toMs; h += HOUR_MS) hoursMs.push(h);
  const { country } = filter;
  for (let k = 4 * n; ; k *= 4) {
    const sorted = candidates === null ? await firstOfEachHour(deps.db, hoursMs, k, country) : null;
    const ids = sorted ? [...sorted.seen] : [...candidates!];
    const unseenBound = sorted?.unseenBound ?? 0;
    const bounds = await hourlyBounds(deps.db, split, ids, country);
    const top = topN(await exactWhereOpen(deps.db, split, bounds, n, country), n);
    // Exact once the N-th beats any unseen ad (a tie could rank an unseen ad first by its id).
    const nth = top.length >= n ? top[n - 1]!.count : 0;
    if (unseenBound === 0 || nth > unseenBound) return top;
  }
}
