// Shared steps of the dashboard browser tests: sign-in by role (one place to change if the demo
// passwords move), writing more live clicks the way the aggregator would, reading the API the
// page reads, CSV parsing, and the per-page screenshot (no wider than the viewport) and accessibility check.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { rebuildHourlyRollups } from "@adclicks/db";
import { createDb } from "@adclicks/db/client";
import { dbEnv } from "@adclicks/db/env";
import { type RollupRow, writeRollups } from "@adclicks/db/testing";
import { createRedis, redisKeys } from "@adclicks/live";
import { redisEnv } from "@adclicks/live/env";
import { writeLiveWindows } from "@adclicks/live/testing";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, type TestInfo } from "@playwright/test";
import { E2E_REDIS_PREFIX } from "./env";
import { E2E_CLICKS } from "./fixtures";
import { noHorizontalOverflow } from "./helpers";

export type Role = "adv-a" | "adv-b" | "ops";

// Sign-in with this install's demo passwords lives in helpers.ts (one place).
export { signInAs } from "./helpers";

/**
 * Sets the fixture's clicks (plus `extra` per ad) in the minute global-setup wrote them to, in
 * Postgres and in the live windows, as an aggregator checkpoint would: the numbers a page shows grow.
 * Fixture rows an earlier run left in other minutes (country AQ is the fixtures' own) are removed,
 * so Postgres and the live windows hold the same clicks; the hour before that minute is final.
 */
export async function writeLiveClicks(extra: Readonly<Record<string, number>> = {}): Promise<void> {
  const db = createDb(dbEnv.DATABASE_URL, 1);
  const redis = createRedis(redisEnv.REDIS_URL);
  try {
    const keys = redisKeys(E2E_REDIS_PREFIX);
    const head = Number(await redis.hget(keys.meta, "head"));
    if (!Number.isFinite(head) || head <= 0)
      throw new Error("the e2e live windows have no head: did global-setup run?");
    const rows: RollupRow[] = E2E_CLICKS.map((c) => ({
      ...c,
      minuteMs: head,
      clicks: c.clicks + (extra[c.adId] ?? 0),
    }));
    await db.$client.query("delete from click_rollups where country = 'AQ' and minute <> $1", [new Date(head)]);
    await rebuildHourlyRollups(db.$client);
    await writeRollups(db, rows);
    // The hour before the fixture's minute is final (an aggregator's finality is left as it is).
    await db.$client.query(
      `insert into minute_status (minute, final_at)
       select to_timestamp(($1::bigint - i * 60000) / 1000.0), now() from generate_series(1, 60) i
       on conflict (minute) do nothing`,
      [head],
    );
    await writeLiveWindows(redis, keys, rows, { nowMs: Date.now() });
  } finally {
    redis.disconnect();
    await db.$client.end();
  }
}

/** GET a partner REST endpoint with the page's session cookie: what the API answers this viewer. */
export async function apiGet<T>(page: Page, pathAndQuery: string): Promise<T> {
  const res = await page.request.get(`/api/v1${pathAndQuery}`);
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as T;
}

/** A CSV's header lines ('#') and its rows (a simple split: the test data has no quoted commas). */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split("\n").filter((l) => l !== "");
  return {
    header: lines.filter((l) => l.startsWith("#")),
    rows: lines.filter((l) => !l.startsWith("#")).map((l) => l.split(",")),
  };
}

export const WIDTHS = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;

/** Screenshots of the page at both widths (each no wider than the viewport), attached to the report and kept under test-results/screenshots. */
export async function screenshotBothWidths(page: Page, testInfo: TestInfo, name: string, ready: () => Promise<void>) {
  const dir = path.join(testInfo.project.outputDir, "screenshots");
  mkdirSync(dir, { recursive: true });
  for (const w of WIDTHS) {
    await page.setViewportSize({ width: w.width, height: w.height });
    await ready();
    await noHorizontalOverflow(page);
    const file = path.join(dir, `${name}-${w.width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    await testInfo.attach(`${name} at ${w.width} px`, { path: file, contentType: "image/png" });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

/** No serious or critical axe-core violation on the page as it is now. */
export async function expectAccessible(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  await testInfo.attach(`axe ${name}`, {
    body: JSON.stringify(result.violations, null, 2),
    contentType: "application/json",
  });
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
  ).toEqual([]);
}
