// The route pattern of a request path, for the `route` label of the web's request metrics: a
// pattern, never the raw path, so an ad id or a tRPC batch does not make a series of its own.

const PATTERNS: [RegExp, string][] = [
  [/^\/api\/v1\/ads\/popular_ads$/, "/api/v1/ads/popular_ads"],
  [/^\/api\/v1\/ads\/[^/]+\/aggregated_count$/, "/api/v1/ads/{ad_id}/aggregated_count"],
  [/^\/api\/v1\/ads\/[^/]+\/breakdown$/, "/api/v1/ads/{ad_id}/breakdown"],
  [/^\/api\/v1(\/.*)?$/, "/api/v1/{other}"],
  [/^\/api\/trpc\/[^/]+$/, "/api/trpc/{procedure}"],
  [/^\/api\/auth\/.+$/, "/api/auth/{action}"],
  [/^\/api\/export\/[^/]+$/, "/api/export/{file}"],
  [/^\/api\/openapi\.json$/, "/api/openapi.json"],
  [/^\/ads\/[^/]+$/, "/ads/{ad_id}"],
  [/^\/(dashboard|ops|admin\/keys|sign-in)$/, ""],
  [/^\/$/, "/"],
  [/^\/_next\/static\//, "/_next/static"],
  [/^\/_next\//, "/_next/{other}"],
  [/^\/favicon\.ico$/, "/favicon.ico"],
];

/** `/api/v1/ads/ad-7/breakdown?x=1` → `/api/v1/ads/{ad_id}/breakdown`; unknown paths → `other`. */
export function routePattern(url: string): string {
  const path = url.split("?")[0]?.replace(/\/+$/, "") || "/";
  for (const [re, pattern] of PATTERNS) if (re.test(path)) return pattern || path;
  return "other";
}
