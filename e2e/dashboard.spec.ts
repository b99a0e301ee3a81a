// An advertiser signs in and sees live numbers for its own ads, never another advertiser's.
import { expect, test } from "@playwright/test";
import { E2E_CLICKS, OTHER_ADS_A, OWN_ADS_A } from "./fixtures";
import { signInAs } from "./helpers";

test("advertiser A sees its dashboard with the numbers of its own ads", async ({ page }) => {
  await signInAs(page, "adv-a");
  await expect(page.getByTestId("dashboard-title")).toHaveText("Acme Outdoor");

  const top = page.locator('[data-testid="top-ads"][data-loading-state="ready"]');
  await expect(top).toBeVisible();
  for (const adId of OWN_ADS_A) {
    const expected = E2E_CLICKS.find((c) => c.adId === adId)?.clicks ?? -1;
    await expect(top.locator(`[data-ad-id="${adId}"] [data-testid="top-ad-count"]`)).toHaveText(String(expected));
  }
  for (const adId of OTHER_ADS_A) await expect(top.locator(`[data-ad-id="${adId}"]`)).toHaveCount(0);
  // Exactly the fixture's own ads, in count order (the e2e live windows hold nothing else).
  await expect(top.getByTestId("top-ad-row")).toHaveCount(OWN_ADS_A.length);
  await expect(top.getByTestId("top-ad-row").first()).toHaveAttribute("data-ad-id", "ad-3");

  // The KPI and the chart come from the rollups: at least the fixture's clicks for A's ads.
  const kpi = page.locator('[data-testid="kpi-clicks"][data-loading-state="ready"]');
  await expect(kpi).toBeVisible();
  const total = Number(((await kpi.locator(".value").textContent()) ?? "").replace(/,/g, ""));
  expect(total).toBeGreaterThanOrEqual(42 + 17);
  await expect(page.locator('[data-testid="clicks-chart"][data-loading-state="ready"]')).toBeVisible();
});

test("the window selector and a filter change the top-ads query", async ({ page }) => {
  await signInAs(page, "adv-a");
  await page.getByTestId("window-select").selectOption("60");
  await expect(page.getByRole("heading", { name: "Top ads, last 60 min" })).toBeVisible();
  const top = page.locator('[data-testid="top-ads"][data-loading-state="ready"]');
  await expect(top.locator('[data-ad-id="ad-3"] [data-testid="top-ad-count"]')).toHaveText("42");
  // A country with no fixture clicks: the table empties.
  await page.getByLabel("Country").fill("NZ");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(top.getByText("No clicks in this window.")).toBeVisible();
  // A bad filter value is reported with the field, not as a crash.
  await page.getByLabel("Country").fill("ZZ");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.locator('[data-testid="top-ads"][data-loading-state="error"]')).toContainText("country:");
});
