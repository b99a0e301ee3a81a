// The browser-safe entry of @adclicks/api (`@adclicks/api/schemas`): the input fragments and the
// dashboards' parameters, without the router, the database client or Redis.
export * from "./dashboard-params";
export * from "./query-params";
