// Catalogue entries (name, owner) of some ads, for labelling tables and pages.
import { inArray } from "drizzle-orm";
import { ads } from "../catalog-schema";
import type { CatalogAd } from "./catalog";
import type { QueryDeps } from "./types";

export async function getAdsById(
  deps: Pick<QueryDeps, "db">,
  adIds: readonly string[],
): Promise<Map<string, CatalogAd>> {
  if (adIds.length === 0) return new Map();
  const rows = await deps.db
    .select({ id: ads.id, name: ads.name, advertiserId: ads.advertiserId })
    .from(ads)
    .where(inArray(ads.id, [...adIds]));
  return new Map(rows.map((r) => [r.id, r]));
}
