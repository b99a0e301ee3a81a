// `npm run bench:web`: the dashboards as a browser sees them, on the production build. Loads a
// bench database (rollups of two hours of Zipf-skewed traffic over 2 M ads and 20 countries, and
// of the day before at a lower rate, with their hourly rollups; the demo advertiser A owns the
// 1,000 hottest ads), starts the built web app against it, and in Debian's Chromium measures the
// largest contentful paint of the overview (60, 180 and 1,440 minutes) and of an ad's page, and a
// filter change until the new numbers are on screen (≥ 20 changes, each a first fetch);
// prints p50 / p95 and where the time goes (server: time to first byte and the tRPC request;
// client: the rest).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { migrateDatabase, rebuildHourlyRollups } from "@adclicks/db";
import { createDb, type Db } from "@adclicks/db/client";
import { dbEnv } from "@adclicks/db/env";
import { seedDemoData } from "@adclicks/db/seed";
import { yardstickLine } from "@adclicks/test-utils";
import { chromium, type Page } from "@playwright/test";
import { z } from "zod";
import { insertZipfRollups, vacuumRollups } from "./zipf-rollups";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const MINUTE = 60_000;

const env = z
  .object({
    BENCH_WEB_PORT: z.coerce.number().int().min(1).max(65535).default(3191),
    /** Clicks per minute of the generated traffic (the book's 600k would take long to load here). */
    BENCH_WEB_CLICKS_PER_MINUTE: z.coerce.number().int().min(1000).default(60_000),
    BENCH_WEB_ADS: z.coerce.number().int().min(1000).default(2_000_000),
    /** Clicks per minute of the day before those two hours (the 1,440-minute window), kept modest to load. */
    BENCH_WEB_DAY_CLICKS_PER_MINUTE: z.coerce.number().int().min(100).default(5_000),
    /** Page loads per page for the LCP figures. */
    BENCH_WEB_LOADS: z.coerce.number().int().min(1).default(5),
    BENCH_WEB_SKIP_LOAD: z.enum(["0", "1"]).default("0"),
  })
  .parse(process.env);

const OWNED_ADS = 1000;
const COUNTRIES = ["US", "GB", "DE", "FR", "JP", "BR", "IN", "CA", "AU", "ES"];
const COUNTRIES_MORE = ["IT", "MX", "KR", "NL", "SE", "PL", "TR", "ID", "AR", "ZA"];
const log = (msg: string) => console.log(`    ${msg}`);
/** Playwright's errors carry a call log after their first line. */
const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];

function benchWebDatabaseUrl(): string {
  const u = new URL(dbEnv.DATABASE_URL);
  u.pathname = `${u.pathname}_benchweb`;
  return u.toString();
}

/** The day of rollups before the two hours (up to a 1,440-minute window, with its edges). */
const DAY_MINUTES = 24 * 60;

/**
 * Two hours of rollups up to the current minute and the day before them at a lower rate (see
 * zipf-rollups.ts), with their hourly rollups. Every minute but the last two is final; a few
 * late corrections on the hottest ads.
 */
async function loadPostgres(db: Db, headMs: number): Promise<number> {
  const fromMs = headMs - 119 * MINUTE;
  await db.$client.query("truncate click_rollups, minute_status, late_events");
  // The day before at the lower rate, an hour per statement; then the two hours, 10 minutes each.
  for (let m = -DAY_MINUTES; m < 0; m += 60) {
    const clicksPerMinute = env.BENCH_WEB_DAY_CLICKS_PER_MINUTE;
    await insertZipfRollups(db, { fromMs: fromMs + m * MINUTE, minutes: 60, clicksPerMinute, ads: env.BENCH_WEB_ADS });
  }
  log(`rollups: the day before (${DAY_MINUTES / 60} h)`);
  for (let m = 0; m < 120; m += 10) {
    const clicksPerMinute = env.BENCH_WEB_CLICKS_PER_MINUTE;
    await insertZipfRollups(db, { fromMs: fromMs + m * MINUTE, minutes: 10, clicksPerMinute, ads: env.BENCH_WEB_ADS });
    log(`rollups: ${m + 10} of 120 minutes`);
  }
  await db.$client.query(
    `insert into minute_status (minute, final_at)
     select to_timestamp(($1::bigint + i * 60000) / 1000.0), now() from generate_series($2::int, 117) i`,
    [fromMs, -DAY_MINUTES],
  );
  await db.$client.query(
    `insert into late_events (ad_id, minute, country, clicks)
     select 'ad-' || (1 + i % 5), to_timestamp(($1::bigint + (i * 7 % 118) * 60000) / 1000.0), 'US', 1 + i % 3
     from generate_series(1, 40) i`,
    [fromMs],
  );
  await rebuildHourlyRollups(db.$client);
  const { minuteRows } = await vacuumRollups(db);
  await db.$client.query("analyze minute_status; analyze late_events");
  return minuteRows;
}

/** The demo catalogue and users, then advertiser A owns ad-1 … ad-1000 (the hottest ads). */
async function loadCatalog(db: Db, webUrl: string) {
  const creds = await seedDemoData(db, { webUrl, textPath: null });
  await db.$client.query(
    `insert into ads (id, advertiser_id, name)
     select 'ad-' || i, 'adv-a', 'Acme bench ad ' || i from generate_series(1, $1::int) i
     on conflict (id) do update set advertiser_id = 'adv-a'`,
    [OWNED_ADS],
  );
  const user = creds.users.find((u) => u.advertiserId === "adv-a");
  if (!user) throw new Error("the seed has no user for adv-a");
  return user;
}

async function startWeb(dbUrl: string): Promise<ChildProcess> {
  if (!existsSync(`${ROOT}/apps/web/.next/BUILD_ID`)) {
    throw new Error("apps/web is not built: run `npx turbo run build --filter=@adclicks/web` first");
  }
  const child = spawn("npm", ["run", "start", "-w", "@adclicks/web"], {
    cwd: ROOT,
    // A Redis prefix with no live windows: "last M minutes" is answered from the Postgres rollups.
    env: {
      ...process.env,
      PORT: String(env.BENCH_WEB_PORT),
      DATABASE_URL: dbUrl,
      REDIS_PREFIX: "benchweb",
      NEXT_TELEMETRY_DISABLED: "1",
      // The production server refuses the committed development secret; sessions last this run.
      BETTER_AUTH_SECRET: randomBytes(32).toString("base64"),
    },
    detached: true,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`http://localhost:${env.BENCH_WEB_PORT}/`)).ok) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the web app did not answer on port ${env.BENCH_WEB_PORT} in 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(0).padStart(5)} ms  p95 ${pct(xs, 95).toFixed(0).padStart(5)} ms`;

interface LoadTiming {
  lcp: number;
  ttfb: number;
  element: string;
}

/** One cold page load in a fresh tab: LCP (buffered PerformanceObserver) and time to first byte. */
async function measureLoad(page: Page, url: string, readyTestId: string): Promise<LoadTiming> {
  await page.goto(url, { waitUntil: "load", timeout: 120_000 });
  await page.locator(`[data-testid="${readyTestId}"][data-loading-state="ready"]`).waitFor({ timeout: 120_000 });
  return page.evaluate(
    () =>
      new Promise<LoadTiming>((resolve) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries() as (PerformanceEntry & { element?: Element | null })[];
          const last = entries.at(-1);
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
          // The element may be gone already (React replaced it): then its tag is unknown.
          const el = last?.element;
          resolve({
            lcp: last?.startTime ?? Number.NaN,
            ttfb: nav?.responseStart ?? Number.NaN,
            element: el
              ? `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(" ")[0]}` : ""}`
              : "?",
          });
        }).observe({ type: "largest-contentful-paint", buffered: true });
      }),
  );
}

/**
 * Picks a country in the filter bar and waits until the KPI panel is ready with the new query's
 * numbers; returns the whole time and the tRPC request's share (from Resource Timing).
 */
async function measureFilterChange(page: Page, country: string): Promise<{ total: number; request: number }> {
  return page.evaluate(async (code) => {
    const select = document.querySelector<HTMLSelectElement>('select[name="country"]');
    const kpis = document.querySelector<HTMLElement>('[data-testid="kpis"]');
    if (!select || !kpis) throw new Error("the filter bar or the KPIs are missing");
    performance.clearResourceTimings();
    const t0 = performance.now();
    select.value = code;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    await new Promise<void>((resolve, reject) => {
      // The panel first turns "loading" (the previous numbers stand in), then "ready" with the new ones.
      let sawLoading = false;
      const timer = setTimeout(() => {
        obs.disconnect();
        reject(new Error(`the KPIs were not ready 60 s after the change (state: ${kpis.dataset.loadingState})`));
      }, 60_000);
      // A fast answer can set "loading" and "ready" before the observer runs: the records' old
      // values still show the "loading" it passed through.
      const check = (records: MutationRecord[] = []) => {
        if (
          kpis.dataset.loadingState === "loading" ||
          records.some((r) => r.target === kpis && r.attributeName === "data-loading-state" && r.oldValue === "loading")
        )
          sawLoading = true;
        if (sawLoading && kpis.dataset.loadingState === "ready") {
          clearTimeout(timer);
          obs.disconnect();
          resolve();
        }
      };
      const obs = new MutationObserver(check);
      obs.observe(kpis, {
        attributes: true,
        attributeOldValue: true,
        subtree: true,
        childList: true,
        characterData: true,
      });
      check();
    });
    await new Promise((r) => requestAnimationFrame(() => r(null))); // the frame that paints it
    const total = performance.now() - t0;
    const req = performance.getEntriesByType("resource").find((e) => e.name.includes("/api/trpc/dashboard.overview")) as
      | PerformanceResourceTiming
      | undefined;
    return { total, request: req ? req.responseEnd - req.startTime : Number.NaN };
  }, country);
}

async function main(): Promise<void> {
  const headMs = Math.floor(Date.now() / MINUTE) * MINUTE;
  const dbUrl = benchWebDatabaseUrl();
  const base = `http://localhost:${env.BENCH_WEB_PORT}`;
  console.log(`==> dashboard benchmark (database ${new URL(dbUrl).pathname.slice(1)}, port ${env.BENCH_WEB_PORT})`);
  console.log(`    ${yardstickLine().line}`);
  await migrateDatabase(dbUrl);
  const db = createDb(dbUrl, 2);
  let web: ChildProcess | undefined;
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  try {
    if (env.BENCH_WEB_SKIP_LOAD === "0") {
      const t0 = performance.now();
      const rows = await loadPostgres(db, headMs);
      log(
        `loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${rows.toLocaleString("en-US")} rollup rows ` +
          `(2 h × ${env.BENCH_WEB_CLICKS_PER_MINUTE.toLocaleString("en-US")} clicks/min and 24 h before × ${env.BENCH_WEB_DAY_CLICKS_PER_MINUTE.toLocaleString("en-US")} over ${env.BENCH_WEB_ADS.toLocaleString("en-US")} ads, 20 countries)`,
      );
    }
    const user = await loadCatalog(db, base);
    const owned = await db.$client.query<{ n: number }>(
      `select count(*)::bigint as n from click_rollups r join ads a on a.id = r.ad_id
       where a.advertiser_id = 'adv-a' and r.minute > now() - interval '1 hour'`,
    );
    log(
      `advertiser A: ${OWNED_ADS} ads, ${Number(owned.rows[0]?.n).toLocaleString("en-US")} rollup rows in the last hour`,
    );
    web = await startWeb(dbUrl);

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: "UTC" });
    const signIn = await context.newPage();
    await signIn.goto(`${base}/sign-in`);
    await signIn.getByLabel("Email").fill(user.email);
    await signIn.getByLabel("Password").fill(user.password);
    await signIn.getByRole("button", { name: "Sign in" }).click();
    await signIn.waitForURL(/\/dashboard$/);
    await signIn.close();

    console.log(`==> largest contentful paint, ${env.BENCH_WEB_LOADS} cold loads each (first one warms the server)`);
    for (const [name, path, ready] of [
      ["overview (last 60 min)", "/dashboard", "top-ads"],
      ["overview (last 180 min)", "/dashboard?range=180", "top-ads"],
      ["overview (last 1440 min)", "/dashboard?range=1440", "top-ads"],
      ["ad page (last 60 min)", "/ads/ad-1", "ad-breakdown"],
      ["ad page (last 1440 min)", "/ads/ad-1?range=1440", "ad-breakdown"],
    ] as const) {
      const lcp: number[] = [];
      const ttfb: number[] = [];
      let element = "";
      let failure: string | undefined;
      for (let i = 0; i <= env.BENCH_WEB_LOADS && failure === undefined; i++) {
        const page = await context.newPage();
        try {
          const t = await measureLoad(page, `${base}${path}`, ready);
          if (i === 0) continue;
          lcp.push(t.lcp);
          ttfb.push(t.ttfb);
          element = t.element;
        } catch (err) {
          // A page that never gets ready is a result (the target missed), not the end of the bench.
          failure = firstLine(err);
        } finally {
          await page.close();
        }
      }
      if (failure !== undefined) {
        console.log(`    ${name.padEnd(24)} ✗ not ready: ${failure}`);
        continue;
      }
      const verdict = pct(lcp, 95) <= 1500 ? "≤ 1500 ✓" : "≤ 1500 ✗";
      console.log(`    ${name.padEnd(24)} LCP ${fmt(lcp)}  ${verdict}  (LCP element: ${element})`);
      console.log(
        `    ${"".padEnd(24)} server (TTFB: render with the data) ${fmt(ttfb)}; client (LCP − TTFB) p50 ${(pct(lcp, 50) - pct(ttfb, 50)).toFixed(0)} ms`,
      );
    }

    for (const [label, path] of [
      ["last 60 min", "/dashboard"],
      ["last 1440 min", "/dashboard?range=1440"],
    ] as const) {
      console.log(`==> filter change to numbers on screen (${label}; country picker, each a first fetch)`);
      const page = await context.newPage();
      page.setDefaultTimeout(120_000);
      // tsx keeps function names with a helper the page does not have; a string is sent as it is.
      await page.addInitScript("globalThis.__name = (f) => f");
      const loaded = await page
        .goto(`${base}${path}`)
        .then(() => page.locator('[data-testid="kpis"][data-loading-state="ready"]').waitFor())
        // The server's HTML is "ready" before React hydrates it, and a change before then is lost.
        .then(() =>
          page.waitForFunction(() => {
            const select = document.querySelector('select[name="country"]');
            return select !== null && Object.keys(select).some((k) => k.startsWith("__reactProps"));
          }),
        )
        .then(() => undefined, firstLine);
      if (loaded !== undefined) {
        await page.close();
        console.log(`    ✗ the page was not ready: ${loaded}`);
        continue;
      }
      const totals: number[] = [];
      const requests: number[] = [];
      const picks = [...COUNTRIES, ...COUNTRIES_MORE, "NZ", "NO", "FI", "PT"];
      let failure: string | undefined;
      for (const country of picks) {
        const r = await measureFilterChange(page, country).catch((err: Error) => {
          failure = `${country}: ${firstLine(err)}`;
        });
        if (!r) break;
        totals.push(r.total);
        requests.push(r.request);
      }
      await page.close();
      if (failure !== undefined) {
        console.log(`    ✗ ${failure}`);
        continue;
      }
      const verdict = pct(totals, 95) <= 300 ? "≤ 300 ✓" : "≤ 300 ✗";
      console.log(`    ${`${picks.length} changes`.padEnd(24)} ${fmt(totals)}  ${verdict}`);
      console.log(
        `    ${"".padEnd(24)} server + network (tRPC request) ${fmt(requests)}; client (render) p50 ${(pct(totals, 50) - pct(requests, 50)).toFixed(0)} ms`,
      );
    }
    console.log("    (a shared 2-core machine: the figures are indicative)");
  } finally {
    await browser.close();
    if (web?.pid) process.kill(-web.pid, "SIGTERM");
    await db.$client.end();
  }
}

await main();
