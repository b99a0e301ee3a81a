// The query layer every interface (tRPC, REST, CLI) calls: counts, top N, series, breakdowns,
// ops health, the catalog and API keys. Routing between the Redis live windows (reached through
// the LiveWindows port of types.ts, implemented by @adclicks/live) and Postgres lives in plan-query.
export * from "./api-key-cache";
export * from "./api-keys";
export * from "./catalog";
export * from "./get-ad-totals";
export * from "./get-ads-by-id";
export * from "./get-aggregated-count";
export * from "./get-click-series";
export * from "./get-country-breakdown";
export * from "./get-late-corrections";
export * from "./get-pipeline-gauges";
export * from "./get-pipeline-health";
export * from "./get-popular-ads";
export * from "./get-scope-series";
export * from "./list-dead-letters";
export * from "./plan-query";
export * from "./rollup-span";
export * from "./stream-click-rows";
export * from "./stream-query";
export * from "./types";
