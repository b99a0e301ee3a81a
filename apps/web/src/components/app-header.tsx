// The header of signed-in pages: navigation by role and the sign-out button.
import type { Viewer } from "@adclicks/api";
import Link from "next/link";
import { SignOutButton } from "./sign-out-button";

export function AppHeader({ viewer }: { viewer: Viewer }) {
  const isOps = viewer.kind === "user" && viewer.role === "ops";
  const who =
    viewer.kind === "user"
      ? `${viewer.email} · ${viewer.role === "ops" ? "ops" : `advertiser ${viewer.advertiserId}`}`
      : viewer.name;
  return (
    <header className="app-header">
      <Link className="brand" href="/">
        Ad clicks
      </Link>
      <nav>
        <Link href="/dashboard">Dashboard</Link>
        {isOps && <Link href="/ops">Ops</Link>}
        {isOps && <Link href="/admin/keys">API keys</Link>}
      </nav>
      <span className="who" data-testid="viewer">
        {who}
      </span>
      <SignOutButton />
    </header>
  );
}
