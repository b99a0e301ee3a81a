// The advertiser overview in the browser: own ads only, the top table equal to the API's answer,
// live growth without a reload (also over 1,440 minutes), filters in the URL (reload, back, forward), inline messages for
// invalid values, and a CSV export equal to the table and the API.
import { readFileSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { apiGet, parseCsv, signInAs, writeLiveClicks } from "./dashboard-support";
import { E2E_CLICKS, OTHER_ADS_A, OWN_ADS_A } from "./fixtures";

interface PopularAds {
  ads: { ad_id: string; count: number }[];
}

const topReady = (page: Page) => page.locator('[data-testid="top-ads"][data-loading-state="ready"]');

/** The top table as [ad_id, count] pairs, in screen order. */
async function tableRows(page: Page): Promise<[string, number][]> {
  const rows = topReady(page).getByTestId("top-ad-row");
  const out: [string, number][] = [];
  for (const row of await rows.all()) {
    const id = (await row.getAttribute("data-ad-id")) ?? "";
    const count = Number(((await row.getByTestId("top-ad-count").textContent()) ?? "").replace(/,/g, ""));
    out.push([id, count]);
  }
  return out;
}

const kpiClicks = async (page: Page) =>
  Number(
    (
      (await page
        .locator('[data-testid="kpis"][data-loading-state="ready"] [data-testid="kpi-clicks"] .value')
        .textContent()) ?? ""
    ).replace(/,/g, ""),
  );

// Postgres and the live windows hold exactly the fixture (earlier runs may have left more).
test.beforeAll(() => writeLiveClicks());

test("advertiser A sees only its ads, and the top table equals the API's answer", async ({ page }) => {
  await signInAs(page, "adv-a");
  await expect(page.getByTestId("dashboard-title")).toHaveText("Acme Outdoor");
  await expect(topReady(page)).toBeVisible();
  for (const adId of OWN_ADS_A) {
    const expected = E2E_CLICKS.find((c) => c.adId === adId)?.clicks ?? -1;
    await expect(topReady(page).locator(`[data-ad-id="${adId}"] [data-testid="top-ad-count"]`)).toHaveText(
      String(expected),
    );
  }
  for (const adId of OTHER_ADS_A) await expect(topReady(page).locator(`[data-ad-id="${adId}"]`)).toHaveCount(0);
  const api = await apiGet<PopularAds>(page, "/ads/popular_ads?count=10&window=60");
  expect(await tableRows(page)).toEqual(api.ads.map((a) => [a.ad_id, a.count]));
  // Every panel says how fresh it is, and the chart is drawn.
  await expect(page.getByTestId("freshness").first()).toContainText("Data as of");
  await expect(page.locator('[data-testid="clicks-chart"][data-loading-state="ready"] svg').first()).toBeVisible();
});

test("with clicks arriving, the chart and the totals grow without a reload", async ({ page }) => {
  await signInAs(page, "adv-a");
  await expect(topReady(page)).toBeVisible();
  // A marker on the window: a reload would lose it.
  await page.evaluate(() => {
    (globalThis as unknown as { __noReload: boolean }).__noReload = true;
  });
  const before = await kpiClicks(page);
  for (const extra of [5, 12]) {
    // Two checkpoints' worth: ad-3's clicks grow twice.
    await writeLiveClicks({ "ad-3": extra });
    await expect.poll(() => kpiClicks(page), { timeout: 20_000 }).toBeGreaterThanOrEqual(before + extra);
  }
  await expect(topReady(page).locator('[data-ad-id="ad-3"] [data-testid="top-ad-count"]')).toHaveText(/^\d+$/);
  const api = await apiGet<PopularAds>(page, "/ads/popular_ads?count=10&window=60");
  await expect.poll(() => tableRows(page)).toEqual(api.ads.map((a) => [a.ad_id, a.count]));
  expect(await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  // Put the fixture back as global-setup wrote it.
  await writeLiveClicks();
});

test("the 1,440-minute window (hourly rollups): the table equals the API's answer and grows without a reload", async ({
  page,
}) => {
  await signInAs(page, "adv-a");
  await page.goto("/dashboard?range=1440");
  await expect(topReady(page)).toBeVisible();
  const api = await apiGet<PopularAds>(page, "/ads/popular_ads?count=10&window=1440");
  expect(api.ads.length).toBeGreaterThan(0);
  await expect.poll(() => tableRows(page)).toEqual(api.ads.map((a) => [a.ad_id, a.count]));
  const before = await kpiClicks(page);
  await writeLiveClicks({ "ad-3": 9 });
  // Refreshed every few seconds, not reloaded.
  await expect.poll(() => kpiClicks(page), { timeout: 20_000 }).toBeGreaterThanOrEqual(before + 9);
  const after = await apiGet<PopularAds>(page, "/ads/popular_ads?count=10&window=1440");
  await expect.poll(() => tableRows(page)).toEqual(after.ads.map((a) => [a.ad_id, a.count]));
  await writeLiveClicks();
});

test("filters live in the URL: API numbers, reload, back and forward", async ({ page }) => {
  await signInAs(page, "adv-a");
  await expect(topReady(page)).toBeVisible();
  await page.getByLabel("Country").selectOption("AQ");
  await expect(page).toHaveURL(/[?&]country=AQ/);
  const aq = await apiGet<PopularAds>(page, "/ads/popular_ads?count=10&window=60&country=AQ");
  await expect.poll(() => tableRows(page)).toEqual(aq.ads.map((a) => [a.ad_id, a.count]));

  await page.getByTestId("range-15").click();
  await expect(page).toHaveURL(/[?&]range=15/);
  const aq15 = await apiGet<PopularAds>(page, "/ads/popular_ads?count=10&window=15&country=AQ");
  await expect.poll(() => tableRows(page)).toEqual(aq15.ads.map((a) => [a.ad_id, a.count]));

  await page.getByLabel("Country").selectOption("NZ");
  await expect(page.locator('[data-testid="top-ads"][data-loading-state="ready"]')).toContainText(
    "No clicks for these filters in this range.",
  );
  await page.reload();
  await expect(page.getByLabel("Country")).toHaveValue("NZ");
  await expect(topReady(page)).toContainText("No clicks for these filters");

  await page.goBack();
  await expect(page).toHaveURL(/country=AQ/);
  await expect(page.getByLabel("Country")).toHaveValue("AQ");
  await expect.poll(() => tableRows(page)).toEqual(aq15.ads.map((a) => [a.ad_id, a.count]));
  await page.goForward();
  await expect(page.getByLabel("Country")).toHaveValue("NZ");
  await expect(topReady(page)).toContainText("No clicks for these filters");
});

test("invalid values get an inline message, not an error page", async ({ page }) => {
  await signInAs(page, "adv-a");
  await page.goto("/dashboard?country=ZZ&range=60");
  await expect(page.getByTestId("field-error").first()).toContainText("ISO-3166-1 alpha-2");
  await expect(page.locator('[data-testid="top-ads"][data-loading-state="invalid"]')).toContainText("Fix country");
  await page.getByLabel("Country").selectOption("");
  await expect(topReady(page)).toBeVisible();

  await page.getByLabel("IP").fill("999.1.1.1");
  await page.getByLabel("IP").press("Enter");
  await expect(page.getByTestId("field-error")).toContainText("IPv4 or IPv6");
  await expect(page).not.toHaveURL(/ip=/);
  await page.getByLabel("IP").fill("203.0.113.7");
  await page.getByLabel("IP").press("Enter");
  await expect(page).toHaveURL(/ip=203\.0\.113\.7/);
  await expect(page.getByTestId("field-error")).toHaveCount(0);
  await expect(page.locator('[data-testid="top-ads"][data-loading-state="ready"]')).toContainText(
    "No clicks for these filters",
  );
});

test("the CSV export downloads, and its rows equal the table and the API", async ({ page }) => {
  await signInAs(page, "adv-a");
  await page.goto("/dashboard?country=AQ&tz=Europe/Paris");
  await expect(topReady(page)).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("export-overview-top.csv").click(),
  ]);
  const csv = parseCsv(readFileSync((await download.path()) ?? "", "utf8"));
  expect(csv.header.join("\n")).toContain("# time zone: Europe/Paris");
  expect(csv.header.join("\n")).toContain("filters: country=AQ, ip=any, user_id=any");
  expect(csv.rows[0]).toEqual(["rank", "ad_id", "name", "clicks", "previous_period_clicks", "change_pct"]);
  const fromCsv = csv.rows.slice(1).map((r) => [r[1], Number(r[3])]);
  expect(fromCsv).toEqual(await tableRows(page));
  const api = await apiGet<PopularAds>(page, "/ads/popular_ads?count=10&window=60&country=AQ");
  expect(fromCsv).toEqual(api.ads.map((a) => [a.ad_id, a.count]));

  // The series export: a row per minute and ad, summing to the same clicks.
  const series = await page.request.get("/api/export/overview-series.csv?country=AQ");
  expect(series.status()).toBe(200);
  const seriesRows = parseCsv(await series.text()).rows.slice(1);
  const perAd = new Map<string, number>();
  for (const r of seriesRows) perAd.set(r[1] ?? "", (perAd.get(r[1] ?? "") ?? 0) + Number(r[2]));
  for (const a of api.ads) expect(perAd.get(a.ad_id)).toBe(a.count);
  // Bad parameters are refused with the parameter named.
  const bad = await page.request.get("/api/export/overview-top.csv?country=ZZ");
  expect(bad.status()).toBe(400);
  expect(((await bad.json()) as { message: string }).message).toMatch(/^country: /);
});
