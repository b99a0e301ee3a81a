// The advertiser overview (ops users see every ad). Signed-out visitors go to sign-in. The
// numbers for the URL's parameters are fetched here, so the first HTML already shows them.
import { isViewer } from "@adclicks/api";
import { overviewQueryInput, paramsUsable, parseDashboardParams } from "@adclicks/api/schemas";
import { getAdvertiser } from "@adclicks/db/queries";
import { redirect } from "next/navigation";
import { AppHeader } from "~/components/app-header";
import { getDeps } from "~/server/deps";
import { getPageCaller } from "~/server/viewer";
import { getServerQueryClient, HydrateClient, serverTrpc } from "~/trpc/server";
import { Overview } from "./overview";
import { type SearchParams, toUrlSearchParams } from "./search-params";

export default async function DashboardPage({ searchParams }: { searchParams: SearchParams }) {
  const caller = await getPageCaller();
  if (!isViewer(caller)) redirect("/sign-in");
  let title = "All ads";
  if (caller.kind === "user" && caller.role === "advertiser") {
    title = (await getAdvertiser(getDeps().db, caller.advertiserId))?.name ?? caller.advertiserId;
  }
  const parsed = parseDashboardParams(await toUrlSearchParams(searchParams));
  if (paramsUsable(parsed)) {
    const options = serverTrpc(caller).dashboard.overview.queryOptions(overviewQueryInput(parsed.params));
    await getServerQueryClient().prefetchQuery(options);
  }
  return (
    <>
      <AppHeader viewer={caller} />
      <main>
        <h1 data-testid="dashboard-title">{title}</h1>
        <HydrateClient>
          <Overview />
        </HydrateClient>
      </main>
    </>
  );
}
