// The app router: one router per domain, and the inferred input/output types for clients.
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { adsRouter } from "./routers/ads";
import { dashboardRouter } from "./routers/dashboard";
import { keysRouter } from "./routers/keys";
import { opsRouter } from "./routers/ops";
import { reconRouter } from "./routers/recon";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  ads: adsRouter,
  ops: opsRouter,
  keys: keysRouter,
  dashboard: dashboardRouter,
  recon: reconRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export const createCaller = createCallerFactory(appRouter);
