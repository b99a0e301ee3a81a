// The rows of a CSV export: clicks per (minute, ad), with the late clicks that corrected each,
// in minute then ad order, read through a cursor (a day of an advertiser's minutes never sits in
// memory whole). Rollups answer it; the raw archive does with an ip / user_id filter.
import { sql } from "drizzle-orm";
import type { Db } from "../client";
import { bucketOf, rawConditions, rollupConditions, scopeCondition, textArray } from "./sql-fragments";
import { streamQuery } from "./stream-query";
import { type AdScope, type ClickFilter, hasRawFilter, type ResolvedRange } from "./types";

export interface ClickRow {
  minuteMs: number;
  adId: string;
  clicks: number;
  lateClicks: number;
}

export interface ClickRowsInput {
  range: ResolvedRange;
  filter: ClickFilter;
  ads: { adIds: readonly string[] } | { scope: AdScope };
  batchRows?: number;
}

export async function* streamClickRows(db: Db, input: ClickRowsInput): AsyncGenerator<ClickRow[], void, undefined> {
  const { range, filter } = input;
  const opts = "adIds" in input.ads ? { adIds: input.ads.adIds } : { scope: input.ads.scope };
  const counts = hasRawFilter(filter)
    ? sql`select ${bucketOf(sql`ts`, "minute")} as minute, ad_id, count(*)::bigint as n from raw_clicks
          where ${rawConditions(range, filter, opts)} group by 1, 2`
    : sql`select minute, ad_id, sum(clicks)::bigint as n from click_rollups
          where ${rollupConditions(range, filter, opts)} group by 1, 2 having sum(clicks) > 0`;
  const late = [sql`minute >= ${new Date(range.fromMs)}`, sql`minute < ${new Date(range.toMs)}`];
  if ("adIds" in input.ads) late.push(sql`ad_id = any(${textArray(input.ads.adIds)})`);
  else if (input.ads.scope.kind !== "all") late.push(scopeCondition(sql`ad_id`, input.ads.scope));
  if (filter.country !== undefined) late.push(sql`country = ${filter.country}`);
  const query = sql`
    select c.minute, c.ad_id, c.n, coalesce(l.n, 0)::bigint as late
    from (${counts}) c
    left join (select minute, ad_id, sum(clicks)::bigint as n from late_events
               where ${sql.join(late, sql` and `)} group by 1, 2) l using (minute, ad_id)
    order by c.minute, c.ad_id collate "C"`;
  type Row = { minute: Date; ad_id: string; n: number; late: number };
  for await (const rows of streamQuery<Row>(db, query, input.batchRows)) {
    yield rows.map((r) => ({
      minuteMs: new Date(r.minute).getTime(),
      adId: r.ad_id,
      clicks: Number(r.n),
      lateClicks: Number(r.late),
    }));
  }
}
