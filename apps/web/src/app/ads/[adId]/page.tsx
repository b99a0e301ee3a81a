// One ad's page: its clicks per minute (final, open and corrected minutes apart), its country
// breakdown and the same filters as the overview. An ad the viewer may not see answers a real
// 404, exactly as an ad that does not exist.
import { canViewAd, isViewer } from "@adclicks/api";
import { adIdSchema, paramsUsable, parseDashboardParams, rangeAndFilterInput } from "@adclicks/api/schemas";
import { notFound, redirect } from "next/navigation";
import { type SearchParams, toUrlSearchParams } from "~/app/dashboard/search-params";
import { AppHeader } from "~/components/app-header";
import { getDeps } from "~/server/deps";
import { getPageCaller } from "~/server/viewer";
import { getServerQueryClient, HydrateClient, serverTrpc } from "~/trpc/server";
import { AdView } from "./ad-view";

export default async function AdPage(props: { params: Promise<{ adId: string }>; searchParams: SearchParams }) {
  const caller = await getPageCaller();
  if (!isViewer(caller)) redirect("/sign-in");
  const id = adIdSchema.safeParse((await props.params).adId);
  if (!id.success || !(await canViewAd(getDeps().db, caller, id.data))) notFound();
  const adId = id.data;
  const parsed = parseDashboardParams(await toUrlSearchParams(props.searchParams));
  if (paramsUsable(parsed)) {
    const options = serverTrpc(caller).dashboard.ad.queryOptions({
      ad_id: adId,
      ...rangeAndFilterInput(parsed.params),
    });
    await getServerQueryClient().prefetchQuery(options);
  }
  return (
    <>
      <AppHeader viewer={caller} />
      <main>
        <HydrateClient>
          <AdView adId={adId} />
        </HydrateClient>
      </main>
    </>
  );
}
