// Catalog reads: who owns an ad, which ads a scope may list, the advertisers.
import { asc, eq, inArray } from "drizzle-orm";
import { ads, advertisers } from "../catalog-schema";
import type { Db } from "../client";
import type { AdScope } from "./types";

/** Owner advertiser per ad id; ids missing from the map are not in the catalog. */
export async function getAdOwners(db: Db, adIds: readonly string[]): Promise<Map<string, string>> {
  if (adIds.length === 0) return new Map();
  const rows = await db
    .select({ id: ads.id, advertiserId: ads.advertiserId })
    .from(ads)
    .where(inArray(ads.id, [...adIds]));
  return new Map(rows.map((r) => [r.id, r.advertiserId]));
}

export interface CatalogAd {
  id: string;
  name: string;
  advertiserId: string;
}

/** Catalogued ads visible to a scope, ordered by advertiser then id (capped: it feeds pickers). */
export async function listAds(db: Db, scope: AdScope, limit = 1000): Promise<CatalogAd[]> {
  const q = db.select({ id: ads.id, name: ads.name, advertiserId: ads.advertiserId }).from(ads);
  const scoped = scope.kind === "all" ? q : q.where(inArray(ads.advertiserId, [...scope.advertiserIds]));
  return scoped.orderBy(asc(ads.advertiserId), asc(ads.createdAt), asc(ads.id)).limit(limit);
}

export async function listAdvertisers(db: Db): Promise<{ id: string; name: string }[]> {
  return db.select({ id: advertisers.id, name: advertisers.name }).from(advertisers).orderBy(asc(advertisers.id));
}

export async function getAdvertiser(db: Db, id: string): Promise<{ id: string; name: string } | undefined> {
  const rows = await db
    .select({ id: advertisers.id, name: advertisers.name })
    .from(advertisers)
    .where(eq(advertisers.id, id));
  return rows[0];
}
