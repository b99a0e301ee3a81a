// The ops view is for the ops role: the ops user sees pipeline health (and is told when
// Prometheus cannot be reached) and requests reconciliations there; an advertiser gets no ops
// data through any procedure.
import { expect, test } from "@playwright/test";
import { E2E_DEAD_LETTERS } from "./fixtures";
import { noHorizontalOverflow, signInAs } from "./helpers";

test("the ops user sees the ops view, and is told plainly that Prometheus is unreachable", async ({ page }) => {
  // No Prometheus listens on E2E_PROMETHEUS_PORT outside ops-alerts.spec.ts.
  await signInAs(page, "ops");
  await page.getByRole("link", { name: "Ops" }).click();
  await expect(page).toHaveURL(/\/ops$/);
  const view = page.locator('[data-testid="ops-view"][data-loading-state="ready"]');
  await expect(view).toBeVisible();
  for (const id of [
    "ops-alerts",
    "ops-finality",
    "ops-minutes",
    "ops-charts",
    "ops-alert-history",
    "ops-dead-letters",
    "ops-catalog-misses",
  ]) {
    await expect(view.getByTestId(id)).toBeVisible();
  }
  await expect(page.getByText("Complete up to (as of)")).toBeVisible();
  await expect(view.getByTestId("prometheus-unreachable")).toContainText("Prometheus is unreachable");
  await expect(view.getByTestId("alertmanager-unreachable")).toBeVisible();
});

test("the ops user filters the dead letters by reason, and the panel fits a phone", async ({ page }) => {
  await signInAs(page, "ops");
  await page.goto("/ops");
  const panel = page.locator('[data-testid="ops-dead-letters"][data-loading-state="ready"]');
  const [longest, other] = E2E_DEAD_LETTERS;
  const reason = panel.getByLabel("Reason");
  const option = reason.locator("option", { hasText: longest.reason });
  await expect(option).toHaveCount(1);
  await reason.selectOption({ label: (await option.textContent()) ?? "" });
  await expect(panel.getByTestId("dead-letter").first()).toContainText(longest.reason);
  await expect(panel.getByTestId("dead-letter").filter({ hasText: other.reason })).toHaveCount(0);
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(panel.getByTestId("dead-letter").first()).toBeVisible();
  await noHorizontalOverflow(page);
});

test("the ops user requests a reconciliation on the ops view; the run is listed, and the list fits a phone", async ({
  page,
}) => {
  await signInAs(page, "ops");
  await page.goto("/ops");
  const panel = page.getByTestId("ops-reconciliation");
  // A unique ad id finds this run's row among earlier ones. Only a reconciliation (it compares
  // and changes nothing) of one recent minute is requested: the default database is also the
  // demo's, whose recon worker would carry it out.
  const ad = `e2e-recon-${Date.now()}`;
  // Ten minutes ago, or eleven where the minute would end the day (the label would name two days).
  const tenAgo = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
  const fromMs = new Date(tenAgo).toISOString().slice(11, 16) === "23:59" ? tenAgo - 60_000 : tenAgo;
  const from = new Date(fromMs).toISOString().slice(0, 16);
  const to = new Date(Date.parse(`${from}Z`) + 60_000).toISOString().slice(0, 16);
  await panel.getByLabel("From (UTC)").fill(from);
  await panel.getByLabel("To (UTC)").fill(to);
  await panel.getByLabel("Ads (optional)").fill(ad);
  await panel.getByRole("button", { name: "Reconcile" }).click();
  const row = panel.getByTestId("recon-run").filter({ hasText: ad });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("reconcile (ops)");
  // The range with its day: "3 Dec, 10:41 – 10:42".
  const day = new Date(`${from}Z`).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
  await expect(row).toContainText(`${day}, ${from.slice(11)} – ${to.slice(11)}`);
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(row).toBeVisible();
  await noHorizontalOverflow(page);
});

test("an advertiser cannot open the ops view, in the browser or through the API", async ({ page }) => {
  await signInAs(page, "adv-b");
  await expect(page.getByRole("link", { name: "Ops" })).toHaveCount(0);
  await page.goto("/ops");
  await expect(page.getByTestId("access-denied")).toBeVisible();
  await expect(page.getByTestId("ops-view")).toHaveCount(0);
  for (const procedure of ["health", "advertisers", "alerts", "alertHistory", "charts", "deadLetters"]) {
    const res = await page.request.get(`/api/trpc/ops.${procedure}`);
    expect(res.status(), procedure).toBe(403);
    expect(await res.text(), procedure).not.toMatch(/activeAt|firing|payloadSample|checkpoint/);
  }
  const silence = await page.request.post("/api/trpc/ops.silence", {
    data: { json: { alertname: "ConsumerStalled", labels: {}, minutes: 60, comment: "x" } },
  });
  expect(silence.status()).toBe(403);
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
