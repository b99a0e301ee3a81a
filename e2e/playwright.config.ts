// Playwright: the built web app (`npm run start -w @adclicks/web`) on port 3100 against the
// default database (seeded with demo data and live fixtures in global-setup.ts), in Debian's
// Chromium (Playwright never downloads browsers here), UTC, traces kept on failure.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { defineConfig } from "@playwright/test";
import { E2E_BASE_URL, E2E_REDIS_PREFIX, e2eEnv } from "./env";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  testDir: ".",
  testMatch: "**/*.spec.ts",
  forbidOnly: e2eEnv.CI,
  retries: e2eEnv.CI ? 1 : 0,
  // Two shared cores: one browser at a time keeps the server responsive.
  workers: 1,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  outputDir: "../test-results",
  reporter: [["list"], ["html", { open: "never", outputFolder: "../playwright-report" }]],
  globalSetup: "./global-setup.ts",
  use: {
    baseURL: E2E_BASE_URL,
    trace: "retain-on-failure",
    timezoneId: "UTC",
    locale: "en-US",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: "npm run start -w @adclicks/web",
    cwd: ROOT,
    url: E2E_BASE_URL,
    env: {
      PORT: String(e2eEnv.E2E_PORT),
      WEB_METRICS_PORT: String(e2eEnv.E2E_WEB_METRICS_PORT),
      PROMETHEUS_URL: `http://127.0.0.1:${e2eEnv.E2E_PROMETHEUS_PORT}`,
      ALERTMANAGER_URL: `http://127.0.0.1:${e2eEnv.E2E_ALERTMANAGER_PORT}`,
      REDIS_PREFIX: E2E_REDIS_PREFIX,
      NEXT_TELEMETRY_DISABLED: "1",
      // The production server refuses the committed development secret.
      BETTER_AUTH_SECRET: e2eEnv.BETTER_AUTH_SECRET ?? randomBytes(32).toString("base64"),
    },
    reuseExistingServer: !e2eEnv.CI,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
