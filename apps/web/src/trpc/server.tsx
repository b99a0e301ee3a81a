// Server-side prefetch for the dashboards (create-t3-turbo pattern): a page fills a per-request
// QueryClient through the router itself (no HTTP hop), and HydrateClient hands the results to
// the client components, so the first HTML already holds the numbers.
import "server-only";
import { appRouter, createInnerContext, type Viewer } from "@adclicks/api";
import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { cache, type ReactNode } from "react";
import { getDeps } from "~/server/deps";
import { makeQueryClient } from "./query-client";

/** One QueryClient per server request (React's cache is per request). */
export const getServerQueryClient = cache(makeQueryClient);

export function serverTrpc(viewer: Viewer) {
  return createTRPCOptionsProxy({
    ctx: createInnerContext(getDeps(), viewer),
    router: appRouter,
    queryClient: getServerQueryClient,
  });
}

export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getServerQueryClient())}>{children}</HydrationBoundary>;
}
