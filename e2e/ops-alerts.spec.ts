// A real alert in the browser: the product's processes on an isolated environment, scraped by
// a private Prometheus (alerts.yml with every `for:` at 5 s) on the port the web app under test
// reads. Stopping the aggregator while clicks flow brings the stall alert into the ops view; an
// acknowledgement there silences it in Alertmanager; a restart resolves it. The view fits a
// laptop without horizontal overflow and works at phone width, and the web's /metrics passes
// promtool.
import { execFileSync } from "node:child_process";
import {
  createTestEnv,
  type MonitoringStack,
  type PipelineStack,
  startMonitoringStack,
  startPipelineStack,
  type TestEnv,
} from "@adclicks/test-utils";
import { expect, test } from "@playwright/test";
import { e2eEnv } from "./env";
import { noHorizontalOverflow, signInAs } from "./helpers";

let env: TestEnv;
let pipeline: PipelineStack;
let monitoring: MonitoringStack;

test.describe.configure({ mode: "serial", timeout: 180_000 });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  env = await createTestEnv("e2ealerts", { partitions: 4 });
  [pipeline, monitoring] = await Promise.all([
    startPipelineStack(env),
    startMonitoringStack({
      prometheusPort: e2eEnv.E2E_PROMETHEUS_PORT,
      alertmanagerPort: e2eEnv.E2E_ALERTMANAGER_PORT,
    }),
  ]);
  await monitoring.setTargets([...pipeline.targets, { job: "web", port: e2eEnv.E2E_WEB_METRICS_PORT }]);
  pipeline.startTraffic();
});

test.afterAll(async () => {
  await pipeline?.stop();
  await monitoring?.stop();
  await env?.cleanup();
});

test("the web app's /metrics passes promtool and counts requests by route pattern", async ({ page }) => {
  await signInAs(page, "ops");
  await page.goto("/ops");
  // Its tRPC queries answered: they are in the counts.
  await expect(page.locator('[data-testid="ops-view"][data-loading-state="ready"]')).toBeVisible();
  const text = await (await fetch(`http://127.0.0.1:${e2eEnv.E2E_WEB_METRICS_PORT}/metrics`)).text();
  expect(execFileSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" })).toBe("");
  expect(text).toMatch(/http_requests_total\{route="\/ops",method="GET",status="200"\} \d+/);
  expect(text).toMatch(/http_requests_total\{route="\/api\/trpc\/\{procedure\}"/);
});

test("stopping the aggregator raises the stall alert in the ops view; acknowledging silences it; a restart resolves it", async ({
  page,
}, testInfo) => {
  await signInAs(page, "ops");
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/ops");
  const view = page.locator('[data-testid="ops-view"][data-loading-state="ready"]');
  await expect(view.getByTestId("ops-alerts")).toBeVisible();
  await expect(view.getByTestId("prometheus-unreachable")).toHaveCount(0);

  await pipeline.stopAggregator();
  // 20 s stalled + for: 5 s + an evaluation and a scrape, and the view's 5 s refresh.
  const firstStalled = view
    .locator('[data-testid="alert-item"][data-alertname="ConsumerStalled"][data-state="firing"]')
    .first();
  await expect(firstStalled).toBeVisible({ timeout: 60_000 });
  // Pinned to that alert's own labels (consumer, partition, topic): the list re-sorts as more fire.
  const labelText = ((await firstStalled.locator(".alert-labels").textContent()) ?? "").trim();
  expect(labelText).toContain("partition=");
  const stalled = view.locator('[data-testid="alert-item"][data-alertname="ConsumerStalled"]', {
    has: page.locator(".alert-labels", { hasText: labelText }),
  });
  await expect(stalled).toContainText("critical");
  await expect(stalled).toContainText("has records to read");
  await expect(view.getByTestId("ops-chart-lag")).toBeVisible();
  await noHorizontalOverflow(page);

  await stalled.getByRole("button", { name: "Acknowledge" }).click();
  await stalled.getByLabel("Comment").fill("e2e: looking at it");
  await stalled.getByRole("button", { name: "Silence" }).click();
  await expect(stalled.getByTestId("alert-silenced")).toBeVisible({ timeout: 15_000 });
  const labels = await stalled.getAttribute("data-alertname");
  const am = (await (
    await fetch(
      `${monitoring.alertmanagerUrl}/api/v2/alerts?active=true&silenced=false&filter=alertname%3D%22${labels}%22`,
    )
  ).json()) as unknown[];
  expect(am.length).toBeLessThan(
    (
      (await (
        await fetch(`${monitoring.alertmanagerUrl}/api/v2/alerts?filter=alertname%3D%22${labels}%22`)
      ).json()) as unknown[]
    ).length,
  );

  await page.screenshot({ path: testInfo.outputPath("ops-alerting-1440.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(stalled).toBeVisible();
  await noHorizontalOverflow(page);
  await page.screenshot({ path: testInfo.outputPath("ops-alerting-390.png"), fullPage: true });

  await pipeline.startAggregator();
  await expect(view.locator('[data-testid="alert-item"][data-alertname="ConsumerStalled"]')).toHaveCount(0, {
    timeout: 60_000,
  });
});
