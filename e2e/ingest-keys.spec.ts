// The ops user makes an ingest key for an ad server on the admin page: shown once, listed with
// its kind and rate, revocable like a partner key; the query API does not take it.
import { expect, test } from "@playwright/test";
import { signInAs } from "./helpers";

test("the ops user creates an ingest key on the admin page and revokes it", async ({ page, request }) => {
  await signInAs(page, "ops");
  await page.goto("/admin/keys");
  const name = `e2e-adserver-${Date.now()}`;
  await page.getByLabel("Kind").selectOption("ingest");
  await expect(page.getByRole("checkbox", { name: /Bluebird Travel/ })).toHaveCount(0); // no scope
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Events per second").fill("250");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = ((await page.getByTestId("new-key").locator("code").first().textContent()) ?? "").trim();
  expect(key).toMatch(/^aci_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId("new-key")).toContainText("Authorization: Bearer");

  const row = page.locator('[data-testid="keys-list"][data-loading-state="ready"] [data-testid="key-row"]', {
    hasText: name,
  });
  await expect(row).toContainText("ingest");
  await expect(row).toContainText("250 events/s");
  const refused = await request.get("/api/v1/ads/popular_ads?count=5&window=5", {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(refused.status()).toBe(401);

  page.once("dialog", (d) => void d.accept());
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row.getByText("revoked")).toBeVisible();
});
