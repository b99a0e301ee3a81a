// Every page at 1,440 and 390 px: a screenshot of each (attached, and kept under
// test-results/screenshots), no serious or critical axe-core violation, and the overview's chart
// on the first screen of a phone.
import { expect, type Page, test } from "@playwright/test";
import { expectAccessible, screenshotBothWidths, signInAs } from "./dashboard-support";

const ready = (page: Page, testId: string) => async () => {
  await expect(page.locator(`[data-testid="${testId}"][data-loading-state="ready"]`)).toBeVisible();
};

test("sign-in page", async ({ page }, testInfo) => {
  await page.goto("/sign-in");
  await screenshotBothWidths(page, testInfo, "sign-in", async () => {
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  });
  await expectAccessible(page, testInfo, "sign-in");
});

test("overview", async ({ page }, testInfo) => {
  await signInAs(page, "adv-a");
  await ready(page, "top-ads")();
  await screenshotBothWidths(page, testInfo, "overview", async () => {
    await ready(page, "clicks-chart")();
    await expect(page.locator('[data-testid="clicks-chart"] .recharts-surface').first()).toBeVisible();
  });
  await expectAccessible(page, testInfo, "overview");
  // At phone width the KPI cards sit two by two, and the chart starts on the first screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const chart = await page.locator('[data-testid="clicks-chart"] .chart-box').boundingBox();
  expect(chart?.y ?? Number.POSITIVE_INFINITY).toBeLessThan(844 - 120);
  const cards = await page.locator(".kpi").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
  expect(new Set(cards.map(Math.round)).size).toBe(2);
});

test("ad page", async ({ page }, testInfo) => {
  await signInAs(page, "adv-a");
  await page.goto("/ads/ad-3");
  await ready(page, "ad-breakdown")();
  await screenshotBothWidths(page, testInfo, "ad-page", async () => {
    await ready(page, "ad-series")();
    await expect(page.locator('[data-testid="ad-series"] .recharts-surface').first()).toBeVisible();
  });
  await expectAccessible(page, testInfo, "ad page");
});

test("ops view and admin page", async ({ page }, testInfo) => {
  await signInAs(page, "ops");
  await page.goto("/ops");
  await ready(page, "ops-view")();
  await expectAccessible(page, testInfo, "ops");
  await screenshotBothWidths(page, testInfo, "ops", ready(page, "ops-view"));
  await page.goto("/admin/keys");
  await ready(page, "keys-list")();
  await expectAccessible(page, testInfo, "admin");
  await screenshotBothWidths(page, testInfo, "admin", ready(page, "keys-list"));
});
