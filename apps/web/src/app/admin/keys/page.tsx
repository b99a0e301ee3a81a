// The admin page for API keys, partner and ingest (ops role only).
import { canManageKeys, isViewer } from "@adclicks/api";
import { redirect } from "next/navigation";
import { AccessDenied } from "~/components/access-denied";
import { AppHeader } from "~/components/app-header";
import { getPageCaller } from "~/server/viewer";
import { KeysAdmin } from "./keys-admin";

export default async function KeysPage() {
  const caller = await getPageCaller();
  if (!isViewer(caller)) redirect("/sign-in");
  return (
    <>
      <AppHeader viewer={caller} />
      {canManageKeys(caller) ? (
        <main>
          <h1>API keys</h1>
          <KeysAdmin />
        </main>
      ) : (
        <AccessDenied what="Managing API keys" />
      )}
    </>
  );
}
