// One ad's page in the browser: series and country breakdown equal to the API, filters kept from
// the overview, its CSV exports, and a real 404 for another advertiser's ad, the same as for an ad
// that does not exist.
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { apiGet, parseCsv, signInAs, writeLiveClicks } from "./dashboard-support";
import { E2E_CLICKS } from "./fixtures";

const ad7 = E2E_CLICKS.find((c) => c.adId === "ad-7");

// Postgres and the live windows hold exactly the fixture (earlier runs may have left more).
test.beforeAll(() => writeLiveClicks());

test("an ad's page: breakdown and totals equal the API, and the exports equal the page", async ({ page }) => {
  await signInAs(page, "adv-a");
  await page.goto("/dashboard?country=AQ");
  await page.locator('[data-testid="top-ads"][data-loading-state="ready"] a', { hasText: "ad-7" }).click();
  await expect(page).toHaveURL(/\/ads\/ad-7\?country=AQ/);
  await expect(page.getByTestId("ad-title")).toContainText("ad-7");
  const breakdown = page.locator('[data-testid="ad-breakdown"][data-loading-state="ready"]');
  await expect(breakdown.locator('[data-country="AQ"] [data-testid="breakdown-count"]')).toHaveText(
    String(ad7?.clicks),
  );
  const api = await apiGet<{ rows: { value: string; count: number }[] }>(
    page,
    "/ads/ad-7/breakdown?minutes=60&country=AQ",
  );
  expect(api.rows).toEqual([{ value: "AQ", count: ad7?.clicks }]);
  await expect(
    page.locator('[data-testid="kpis"][data-loading-state="ready"] [data-testid="kpi-clicks"] .value'),
  ).toHaveText(String(ad7?.clicks));
  // The chart's text alternative: a row per minute, summing to the total.
  await page.getByRole("button", { name: "Show as table" }).click();
  const cells = await page.getByTestId("chart-row").locator("td:nth-child(2)").allTextContents();
  expect(cells).toHaveLength(60);
  expect(cells.reduce((a, c) => a + Number(c.replace(/,/g, "")), 0)).toBe(ad7?.clicks);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("export-ad-breakdown.csv").click(),
  ]);
  const csv = parseCsv(readFileSync((await download.path()) ?? "", "utf8"));
  expect(csv.rows.slice(1).map((r) => [r[0], Number(r[1])])).toEqual(api.rows.map((r) => [r.value, r.count]));
  const series = await page.request.get("/api/export/ad-series.csv?country=AQ&ad=ad-7");
  const seriesRows = parseCsv(await series.text()).rows.slice(1);
  expect(seriesRows).toHaveLength(60);
  expect(seriesRows.reduce((a, r) => a + Number(r[1]), 0)).toBe(ad7?.clicks);
});

test("another advertiser's ad answers 404, exactly like an ad that does not exist", async ({ page }) => {
  await signInAs(page, "adv-a");
  const foreign = await page.goto("/ads/ad-30");
  expect(foreign?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
  const foreignText = await page.getByTestId("not-found").textContent();
  const missing = await page.goto("/ads/no-such-ad");
  expect(missing?.status()).toBe(404);
  expect(await page.getByTestId("not-found").textContent()).toBe(foreignText);
  const exportForeign = await page.request.get("/api/export/ad-series.csv?ad=ad-30");
  expect(exportForeign.status()).toBe(404);
  // Nor the ops view.
  await page.goto("/ops");
  await expect(page.getByTestId("access-denied")).toBeVisible();
  expect((await page.request.get("/api/trpc/ops.health")).status()).toBe(403);
});
