// The landing page: static, no data, no session needed.
import Link from "next/link";

export default function HomePage() {
  return (
    <>
      <header className="app-header">
        <span className="brand">Ad clicks</span>
        <nav />
        <Link href="/sign-in">Sign in</Link>
      </header>
      <main>
        <section className="hero">
          <h1>Real-time ad click aggregation</h1>
          <p>
            Clicks per ad over the last minutes, the most-clicked ads right now, filtered by country, IP or user —
            counted exactly once, with late events corrected and every number traceable to a final minute.
          </p>
          <p>
            Advertisers and ops engineers <Link href="/sign-in">sign in</Link> to the dashboard. Partners use the{" "}
            <a href="/api/openapi.json">REST API</a> with an API key.
          </p>
        </section>
      </main>
    </>
  );
}
