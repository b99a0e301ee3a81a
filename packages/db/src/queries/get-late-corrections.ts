// Minutes that late clicks corrected: clicks counted after their minute was final, per minute,
// for some ads or a scope's ads (and one country, when the view is filtered by it). The
// dashboards mark these minutes; late_events has no ip / user_id, so those filters do not narrow it.
import { sql } from "drizzle-orm";
import { scopeCondition, textArray } from "./sql-fragments";
import type { AdScope, QueryDeps, ResolvedRange } from "./types";

export interface LateCorrectionsInput {
  range: ResolvedRange;
  /** The ads whose corrections count: a list, or every ad of a scope. */
  ads: { adIds: readonly string[] } | { scope: AdScope };
  country?: string | undefined;
}

/** Late clicks per corrected minute (epoch ms → clicks), minutes without corrections absent. */
export async function getLateCorrections(
  deps: Pick<QueryDeps, "db">,
  input: LateCorrectionsInput,
): Promise<Map<number, number>> {
  const parts = [sql`minute >= ${new Date(input.range.fromMs)}`, sql`minute < ${new Date(input.range.toMs)}`];
  if ("adIds" in input.ads) parts.push(sql`ad_id = any(${textArray(input.ads.adIds)})`);
  else if (input.ads.scope.kind !== "all") parts.push(scopeCondition(sql`ad_id`, input.ads.scope));
  if (input.country !== undefined) parts.push(sql`country = ${input.country}`);
  const res = await deps.db.execute<{ minute: Date; n: number }>(
    sql`select minute, sum(clicks)::bigint as n from late_events where ${sql.join(parts, sql` and `)} group by minute`,
  );
  return new Map(res.rows.map((r) => [new Date(r.minute).getTime(), Number(r.n)]));
}
