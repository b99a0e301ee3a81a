// The ops view (pipeline health), for the ops role only.
import { canUseOps, isViewer } from "@adclicks/api";
import { redirect } from "next/navigation";
import { AccessDenied } from "~/components/access-denied";
import { AppHeader } from "~/components/app-header";
import { getPageCaller } from "~/server/viewer";
import { OpsView } from "./ops-view";
import { ReconciliationPanel } from "./reconciliation-panel";

export default async function OpsPage() {
  const caller = await getPageCaller();
  if (!isViewer(caller)) redirect("/sign-in");
  return (
    <>
      <AppHeader viewer={caller} />
      {canUseOps(caller) ? (
        <main>
          <h1>Pipeline health</h1>
          <OpsView />
          <ReconciliationPanel />
        </main>
      ) : (
        <AccessDenied what="The ops view" />
      )}
    </>
  );
}
