// Clicks per ad over a range for a list of ads (the top table's "previous period" column): whole
// hours from the hourly rollups, the edges from the minute rollups (rollup-span.ts).
import { sql } from "drizzle-orm";
import { rollupSpan } from "./rollup-span";
import { rawConditions } from "./sql-fragments";
import { type ClickFilter, hasRawFilter, type QueryDeps, type ResolvedRange } from "./types";

export async function getAdTotals(
  deps: Pick<QueryDeps, "db">,
  input: { adIds: readonly string[]; range: ResolvedRange; filter: ClickFilter },
): Promise<Map<string, number>> {
  if (input.adIds.length === 0) return new Map();
  const opts = { adIds: input.adIds };
  const query = hasRawFilter(input.filter)
    ? sql`select ad_id, count(*)::bigint as n from raw_clicks
          where ${rawConditions(input.range, input.filter, opts)} group by ad_id`
    : sql`select ad_id, sum(clicks)::bigint as n from ${rollupSpan(input.range, input.filter, opts)} group by ad_id`;
  const res = await deps.db.execute<{ ad_id: string; n: number }>(query);
  return new Map(res.rows.map((r) => [r.ad_id, Number(r.n)]));
}
