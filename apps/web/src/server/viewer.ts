// The signed-in dashboard user for server components (session cookie only: pages never take keys).
import "server-only";
import { type Caller, resolveCaller } from "@adclicks/api";
import { headers } from "next/headers";
import { getDeps } from "./deps";

export async function getPageCaller(): Promise<Caller> {
  const h = new Headers(await headers());
  h.delete("authorization");
  return resolveCaller(getDeps(), h);
}
