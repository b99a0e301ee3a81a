// The browser-safe entry of @adclicks/api (`@adclicks/api/schemas`): the input fragments and the
// dashboards' parameters, without the router, the database client or Redis.
export * from "./dashboard-params";
export { CHART_RANGES_MINUTES } from "./ops";
export * from "./query-params";
