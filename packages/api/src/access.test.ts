// Unit tests of the access rules (pure parts): scopes per viewer and ownership checks.
import { describe, expect, test } from "vitest";
import { canManageKeys, canUseOps, scopeAllowsOwner, scopeOf, type Viewer } from "./access";
import { viewerFromUser } from "./trpc";

const base = { userId: "u", email: "e@example.com", name: "E" };
const ops: Viewer = { kind: "user", role: "ops", ...base };
const advA: Viewer = { kind: "user", role: "advertiser", advertiserId: "adv-a", ...base };
const keyAB: Viewer = {
  kind: "key",
  keyId: "k",
  name: "k",
  scope: { kind: "advertisers", advertiserIds: ["adv-a", "adv-b"] },
  rateLimitPerMinute: 10,
};
const keyAll: Viewer = { kind: "key", keyId: "k", name: "k", scope: { kind: "all" }, rateLimitPerMinute: 10 };

describe("access", () => {
  test("scopes: ops and all-scope keys see all; advertisers their own; keys their list", () => {
    expect(scopeOf(ops)).toEqual({ kind: "all" });
    expect(scopeOf(advA)).toEqual({ kind: "advertisers", advertiserIds: ["adv-a"] });
    expect(scopeOf(keyAB)).toEqual(keyAB.kind === "key" ? keyAB.scope : null);
    expect(scopeOf(keyAll)).toEqual({ kind: "all" });
  });

  test("uncatalogued ads are visible to all-scope callers only", () => {
    expect(scopeAllowsOwner({ kind: "all" }, undefined)).toBe(true);
    expect(scopeAllowsOwner(scopeOf(advA), undefined)).toBe(false);
    expect(scopeAllowsOwner(scopeOf(advA), "adv-a")).toBe(true);
    expect(scopeAllowsOwner(scopeOf(advA), "adv-b")).toBe(false);
    expect(scopeAllowsOwner(scopeOf(keyAB), "adv-b")).toBe(true);
  });

  test("ops procedures and key management need an ops user; an all-scope key is not ops", () => {
    expect(canUseOps(ops)).toBe(true);
    expect(canUseOps(keyAll)).toBe(false);
    expect(canUseOps(advA)).toBe(false);
    expect(canManageKeys({ kind: "anonymous" })).toBe(false);
  });

  test("a session user maps to a viewer only with a coherent role", () => {
    const u = { id: "u", email: "e@example.com", name: "E" };
    expect(viewerFromUser({ ...u, role: "ops" })).toMatchObject({ kind: "user", role: "ops" });
    expect(viewerFromUser({ ...u, role: "advertiser", advertiserId: "adv-a" })).toMatchObject({
      role: "advertiser",
      advertiserId: "adv-a",
    });
    expect(viewerFromUser({ ...u, role: "advertiser", advertiserId: null })).toEqual({ kind: "anonymous" });
    expect(viewerFromUser({ ...u, role: "admin" })).toEqual({ kind: "anonymous" });
  });
});
