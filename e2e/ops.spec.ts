// The ops view is for the ops role: the ops user sees pipeline health; an advertiser cannot.
import { expect, test } from "@playwright/test";
import { signInAs } from "./helpers";

test("the ops user sees the ops view", async ({ page }) => {
  await signInAs(page, "ops");
  await page.getByRole("link", { name: "Ops" }).click();
  await expect(page).toHaveURL(/\/ops$/);
  const view = page.locator('[data-testid="ops-view"][data-loading-state="ready"]');
  await expect(view).toBeVisible();
  for (const id of [
    "ops-alerts",
    "ops-checkpoints",
    "ops-minutes",
    "ops-dead-letters",
    "ops-late",
    "ops-catalog-misses",
  ]) {
    await expect(view.getByTestId(id)).toBeVisible();
  }
  await expect(page.getByText("Complete up to (as of)")).toBeVisible();
});

test("an advertiser cannot open the ops view, in the browser or through the API", async ({ page }) => {
  await signInAs(page, "adv-b");
  await expect(page.getByRole("link", { name: "Ops" })).toHaveCount(0);
  await page.goto("/ops");
  await expect(page.getByTestId("access-denied")).toBeVisible();
  await expect(page.getByTestId("ops-view")).toHaveCount(0);
  const res = await page.request.get("/api/trpc/ops.health");
  expect(res.status()).toBe(403);
  await page.goto("/admin/keys");
  await expect(page.getByTestId("access-denied")).toBeVisible();
});

test("the ops user creates a partner key on the admin page and revokes it", async ({ page, request }) => {
  await signInAs(page, "ops");
  await page.goto("/admin/keys");
  const name = `e2e-${Date.now()}`;
  await page.getByLabel("Name").fill(name);
  await page.getByRole("checkbox", { name: /Bluebird Travel/ }).check();
  await page.getByRole("button", { name: "Create key" }).click();
  const key = ((await page.getByTestId("new-key").locator("code").textContent()) ?? "").trim();
  expect(key).toMatch(/^acp_/);

  const ok = await request.get("/api/v1/ads/ad-30/aggregated_count?minutes=5", {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(ok.status()).toBe(200);
  const foreign = await request.get("/api/v1/ads/ad-3/aggregated_count?minutes=5", {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(foreign.status()).toBe(404);

  const row = page.locator('[data-testid="keys-list"][data-loading-state="ready"] [data-testid="key-row"]', {
    hasText: name,
  });
  page.once("dialog", (d) => void d.accept());
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row.getByText("revoked")).toBeVisible();
  const refused = await request.get("/api/v1/ads/ad-30/aggregated_count?minutes=5", {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(refused.status()).toBe(401);
});
