// Public surface of @adclicks/api: the router and its types, contexts, HTTP handlers and auth.
export * from "./access";
export { type AuthInstance, type AuthOptions, createAuth } from "./auth";
export { EXPORT_FILES, type ExportFile, handleExportRequest } from "./export-csv";
export * from "./http";
export { createMonitoringClient, type MonitoringClient } from "./monitoring/client";
export { type AppRouter, appRouter, createCaller, type RouterInputs, type RouterOutputs } from "./root";
export { type ApiDeps, type Context, createContext, createInnerContext, resolveCaller } from "./trpc";
