// A range of the rollups as hourly rollups for its whole hours plus its partial edge hours (an
// edge's minutes, or for an edge of over half its hour the hour's row less its other minutes):
// long ranges read about 60× fewer rows, and the sums are exactly the minute-only ones (the
// hourly tables are the minute rollups summed by hour, kept in the same transaction).
// `rollupSpan` is the derived table every rollup query of a range selects from.
import { type SQL, sql } from "drizzle-orm";
import { scopeCondition, textArray } from "./sql-fragments";
import { type AdScope, type ClickFilter, HOUR_MS, type ResolvedRange } from "./types";

export interface HourSplit {
  /** Whole hours [fromMs, toMs), hour-aligned; null when the range holds none. */
  hours: ResolvedRange | null;
  /** The minute-aligned partial hours before and after the whole hours (0, 1 or 2 ranges). */
  edges: ResolvedRange[];
}

/** A split with at least one whole hour. */
export type WholeHourSplit = HourSplit & { hours: ResolvedRange };

export const hasWholeHours = (split: HourSplit): split is WholeHourSplit => split.hours !== null;

/** Splits a minute-aligned range into its whole hours and the minutes of its partial edge hours. */
export function splitHours(range: ResolvedRange): HourSplit {
  const h0 = Math.ceil(range.fromMs / HOUR_MS) * HOUR_MS;
  const h1 = Math.floor(range.toMs / HOUR_MS) * HOUR_MS;
  if (h0 >= h1) return { hours: null, edges: [range] };
  const edges: ResolvedRange[] = [];
  if (range.fromMs < h0) edges.push({ fromMs: range.fromMs, toMs: h0 });
  if (h1 < range.toMs) edges.push({ fromMs: h1, toMs: range.toMs });
  return { hours: { fromMs: h0, toMs: h1 }, edges };
}

/** The hour each edge lies in (an edge never crosses an hour). */
export const edgeHours = (split: HourSplit): number[] =>
  split.edges.map((e) => Math.floor(e.fromMs / HOUR_MS) * HOUR_MS);

/**
 * How to count an edge exactly: its own minutes, or (when it holds more than half its hour) the
 * hour's hourly row minus the hour's minutes outside the edge. The trailing edge of "the last M
 * minutes" is the current hour so far, whose outside is the minutes after the clock: nearly
 * empty. Exact because the hourly rows are the minute rollups summed by hour.
 */
export type EdgeRead =
  | { kind: "minutes"; range: ResolvedRange }
  | { kind: "hour-less"; hourMs: number; outside: ResolvedRange[] };

export function edgeReads(split: HourSplit): EdgeRead[] {
  return split.edges.map((e) => {
    const hourMs = Math.floor(e.fromMs / HOUR_MS) * HOUR_MS;
    // A range without a whole hour is one edge that may cross an hour: read as minutes.
    if (e.toMs - e.fromMs <= HOUR_MS / 2 || e.toMs > hourMs + HOUR_MS) return { kind: "minutes", range: e };
    const outside = [
      { fromMs: hourMs, toMs: e.fromMs },
      { fromMs: e.toMs, toMs: hourMs + HOUR_MS },
    ].filter((r) => r.fromMs < r.toMs);
    return { kind: "hour-less", hourMs, outside };
  });
}

export interface SpanOptions {
  adIds?: readonly string[] | undefined;
  scope?: AdScope | undefined;
  /** Keep the country column (a breakdown): the hourly rows then come from click_rollups_hourly. */
  byCountry?: boolean;
}

/**
 * Which hourly table answers: without a country filter or breakdown, the per-ad sums over every
 * country (one row per ad and hour); otherwise the per-country hourly rollups.
 */
export function hourlyTable(filter: ClickFilter, byCountry = false): SQL {
  return sql.raw(filter.country === undefined && !byCountry ? "ad_clicks_hourly" : "click_rollups_hourly");
}

function common(filter: ClickFilter, opts: SpanOptions): SQL[] {
  const parts: SQL[] = [];
  if (filter.country !== undefined) parts.push(sql`country = ${filter.country}`);
  if (opts.adIds !== undefined) parts.push(sql`ad_id = any(${textArray(opts.adIds)})`);
  if (opts.scope !== undefined && opts.scope.kind !== "all") parts.push(scopeCondition(sql`ad_id`, opts.scope));
  return parts;
}

const where = (parts: SQL[]) => sql.join(parts, sql` and `);

/**
 * The rows of a split's edges, as `select ad_id, t, clicks[, country]` branches: an edge's minute
 * rows, or (over half its hour) the hour's row plus negated minute rows of the rest of the hour,
 * all with `t` in that hour. Filtered as rollupSpan filters.
 */
export function edgeBranches(split: HourSplit, filter: ClickFilter, opts: SpanOptions = {}): SQL[] {
  const country = opts.byCountry ? sql`, country` : sql``;
  const minutes = (r: ResolvedRange, sign: SQL) =>
    sql`select ad_id, minute as t, ${sign}clicks as clicks${country} from click_rollups
         where ${where([sql`minute >= ${new Date(r.fromMs)}`, sql`minute < ${new Date(r.toMs)}`, ...common(filter, opts)])}`;
  return edgeReads(split).flatMap((e) =>
    e.kind === "minutes"
      ? [minutes(e.range, sql``)]
      : [
          sql`select ad_id, hour as t, clicks${country} from ${hourlyTable(filter, opts.byCountry)}
               where ${where([sql`hour = ${new Date(e.hourMs)}`, ...common(filter, opts)])}`,
          ...e.outside.map((r) => minutes(r, sql`-`)),
        ],
  );
}

/**
 * The rollup rows of a range as a derived table `r(ad_id, t, clicks[, country])`: `t` is the
 * hour of an hourly row or the minute of a minute row (its hour bucket is the hour of both).
 * An edge of more than half its hour is its hour's row plus negated minute rows of the rest of
 * that hour (edgeBranches), so sum it, or bucket it by hour, never by minute.
 * Filtered by country, ad ids and scope; ip / user_id filters are the raw archive's (not here).
 */
export function rollupSpan(range: ResolvedRange, filter: ClickFilter, opts: SpanOptions = {}): SQL {
  const split = splitHours(range);
  const country = opts.byCountry ? sql`, country` : sql``;
  const branches: SQL[] = [];
  if (split.hours) {
    const parts = [
      sql`hour >= ${new Date(split.hours.fromMs)}`,
      sql`hour < ${new Date(split.hours.toMs)}`,
      ...common(filter, opts),
    ];
    branches.push(
      sql`select ad_id, hour as t, clicks${country} from ${hourlyTable(filter, opts.byCountry)} where ${where(parts)}`,
    );
  }
  branches.push(...edgeBranches(split, filter, opts));
  return sql`(${sql.join(branches, sql` union all `)}) as r`;
}
