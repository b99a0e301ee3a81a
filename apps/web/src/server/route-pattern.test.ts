import { expect, test } from "vitest";
import { routePattern } from "./route-pattern";

test("paths map to their route pattern, never to a raw id", () => {
  expect(routePattern("/api/v1/ads/ad-42/aggregated_count?from=1")).toBe("/api/v1/ads/{ad_id}/aggregated_count");
  expect(routePattern("/api/v1/ads/popular_ads")).toBe("/api/v1/ads/popular_ads");
  expect(routePattern("/api/v1/ads/x/breakdown")).toBe("/api/v1/ads/{ad_id}/breakdown");
  expect(routePattern("/api/v1/nope")).toBe("/api/v1/{other}");
  expect(routePattern("/api/trpc/ops.alerts,ops.health?batch=1")).toBe("/api/trpc/{procedure}");
  expect(routePattern("/ads/ad-1")).toBe("/ads/{ad_id}");
  expect(routePattern("/ops/")).toBe("/ops");
  expect(routePattern("/")).toBe("/");
  expect(routePattern("/_next/static/chunks/a.js")).toBe("/_next/static");
});

test("unknown paths share one label", () => {
  expect(routePattern("/wp-admin/setup.php")).toBe("other");
  expect(routePattern("/ads/a/b/c")).toBe("other");
});
