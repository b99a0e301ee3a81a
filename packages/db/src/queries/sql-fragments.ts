// WHERE-clause fragments shared by the Postgres queries, so every query filters the same way.
import { type SQL, sql } from "drizzle-orm";
import type { AdScope, ClickFilter, ResolvedRange } from "./types";

/** Postgres text parameter array (drizzle would otherwise expand a JS array into a tuple). */
export function textArray(values: readonly string[]): SQL {
  return sql`${sql.param([...values])}::text[]`;
}

/**
 * The UTC minute or hour a timestamp column lies in. date_bin from the epoch, not
 * date_trunc(…, 'UTC'): the time-zone form converts every row and was most of a long series' cost.
 */
export function bucketOf(column: SQL, unit: "minute" | "hour"): SQL {
  return sql`date_bin(${sql.raw(unit === "minute" ? "'1 minute'" : "'1 hour'")}, ${column}, timestamptz 'epoch')`;
}

/** Ads the scope may see; unknown ids (not in the catalog) only pass an all-scope. */
export function scopeCondition(column: SQL, scope: AdScope): SQL {
  if (scope.kind === "all") return sql`true`;
  return sql`${column} in (select id from ads where advertiser_id = any(${textArray(scope.advertiserIds)}))`;
}

/** Conditions on click_rollups for a range, the country filter, a scope and optional ad ids. */
export function rollupConditions(
  range: ResolvedRange,
  filter: ClickFilter,
  opts: { adIds?: readonly string[]; scope?: AdScope } = {},
): SQL {
  const parts: SQL[] = [sql`minute >= ${new Date(range.fromMs)}`, sql`minute < ${new Date(range.toMs)}`];
  if (filter.country !== undefined) parts.push(sql`country = ${filter.country}`);
  if (opts.adIds !== undefined) parts.push(sql`ad_id = any(${textArray(opts.adIds)})`);
  if (opts.scope !== undefined && opts.scope.kind !== "all") parts.push(scopeCondition(sql`ad_id`, opts.scope));
  return sql.join(parts, sql` and `);
}

/** Conditions on raw_clicks (the archive answers ip / user_id filters, exact to the click). */
export function rawConditions(
  range: ResolvedRange,
  filter: ClickFilter,
  opts: { adIds?: readonly string[]; scope?: AdScope } = {},
): SQL {
  const parts: SQL[] = [sql`ts >= ${new Date(range.fromMs)}`, sql`ts < ${new Date(range.toMs)}`];
  if (filter.country !== undefined) parts.push(sql`country = ${filter.country}`);
  if (filter.ip !== undefined) parts.push(sql`ip = ${filter.ip}`);
  if (filter.userId !== undefined) parts.push(sql`user_id = ${filter.userId}`);
  if (opts.adIds !== undefined) parts.push(sql`ad_id = any(${textArray(opts.adIds)})`);
  if (opts.scope !== undefined && opts.scope.kind !== "all") parts.push(scopeCondition(sql`ad_id`, opts.scope));
  return sql.join(parts, sql` and `);
}
