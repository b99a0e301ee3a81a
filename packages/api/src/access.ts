// Who is calling and what they may see. Access checks are functions of their own, called by
// every procedure before it queries: a caller outside an ad's scope gets "not found", never a number.
import type { Db } from "@adclicks/db/client";
import { type AdScope, getAdOwners } from "@adclicks/db/queries";

/** An authenticated caller: a dashboard user (session) or a partner key. */
export type Viewer =
  | { kind: "user"; userId: string; email: string; name: string; role: "ops" }
  | { kind: "user"; userId: string; email: string; name: string; role: "advertiser"; advertiserId: string }
  | { kind: "key"; keyId: string; name: string; scope: AdScope; rateLimitPerMinute: number };

/** Anyone: a viewer, nobody, or someone whose API key was refused (and why). */
export type Caller =
  | Viewer
  | { kind: "anonymous" }
  | { kind: "rejected-key"; reason: "malformed" | "unknown" | "revoked" | "not-bearer" };

export function isViewer(c: Caller): c is Viewer {
  return c.kind === "user" || c.kind === "key";
}

export function isOps(c: Caller): boolean {
  return c.kind === "user" && c.role === "ops";
}

/** The ads a viewer may see: ops users see all; advertisers their own; keys their scope. */
export function scopeOf(viewer: Viewer): AdScope {
  if (viewer.kind === "key") return viewer.scope;
  if (viewer.role === "ops") return { kind: "all" };
  return { kind: "advertisers", advertiserIds: [viewer.advertiserId] };
}

/** Pure rule: an ad owned by `owner` (undefined = not in the catalog) is visible in `scope`. */
export function scopeAllowsOwner(scope: AdScope, owner: string | undefined): boolean {
  if (scope.kind === "all") return true;
  return owner !== undefined && scope.advertiserIds.includes(owner);
}

export async function canViewAd(db: Db, viewer: Viewer, adId: string): Promise<boolean> {
  return (await canViewAds(db, viewer, [adId])).ok;
}

/** All-or-nothing check over several ads; `denied` lists the ids outside the scope. */
export async function canViewAds(
  db: Db,
  viewer: Viewer,
  adIds: readonly string[],
): Promise<{ ok: boolean; denied: string[] }> {
  const scope = scopeOf(viewer);
  if (scope.kind === "all") return { ok: true, denied: [] };
  const owners = await getAdOwners(db, adIds);
  const denied = adIds.filter((id) => !scopeAllowsOwner(scope, owners.get(id)));
  return { ok: denied.length === 0, denied };
}

export function canUseOps(caller: Caller): boolean {
  return isOps(caller);
}

/** Partner keys are managed by ops users only (a key cannot mint keys). */
export function canManageKeys(caller: Caller): boolean {
  return isOps(caller);
}
