// The advertiser dashboard (ops users see every ad). Signed-out visitors go to sign-in.
import { isViewer } from "@adclicks/api";
import { getAdvertiser } from "@adclicks/db/queries";
import { redirect } from "next/navigation";
import { AppHeader } from "~/components/app-header";
import { getDeps } from "~/server/deps";
import { getPageCaller } from "~/server/viewer";
import { Dashboard } from "./dashboard";

export default async function DashboardPage() {
  const caller = await getPageCaller();
  if (!isViewer(caller)) redirect("/sign-in");
  let title = "All ads";
  if (caller.kind === "user" && caller.role === "advertiser") {
    title = (await getAdvertiser(getDeps().db, caller.advertiserId))?.name ?? caller.advertiserId;
  }
  return (
    <>
      <AppHeader viewer={caller} />
      <main>
        <h1 data-testid="dashboard-title">{title}</h1>
        <Dashboard />
      </main>
    </>
  );
}
