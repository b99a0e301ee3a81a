// What an ad the viewer may not see (or that does not exist) shows, with a 404 status.
import Link from "next/link";

export default function AdNotFound() {
  return (
    <main>
      <div className="panel" data-testid="not-found">
        <h1>Ad not found</h1>
        <p>There is no such ad among the ads you can see.</p>
        <Link href="/dashboard">Back to the dashboard</Link>
      </div>
    </main>
  );
}
