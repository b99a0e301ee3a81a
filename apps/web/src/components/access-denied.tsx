// Shown instead of a page the signed-in user's role may not open (no data is fetched).
import Link from "next/link";

export function AccessDenied({ what }: { what: string }) {
  return (
    <main>
      <div className="panel" data-testid="access-denied">
        <h1>Not allowed</h1>
        <p>{what} needs the ops role.</p>
        <Link href="/dashboard">Back to the dashboard</Link>
      </div>
    </main>
  );
}
