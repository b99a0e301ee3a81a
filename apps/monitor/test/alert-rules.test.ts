// The alert rules as code: promtool accepts them and their unit tests pass, every alert carries
// a `for:`, a severity and a summary, and the tests cover each alert firing and not firing.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@adclicks/test-utils";
import { expect, test } from "vitest";
import { parse } from "yaml";

const DIR = join(REPO_ROOT, "infra/prometheus");
const promtool = (...args: string[]) => execFileSync("promtool", args, { cwd: DIR, encoding: "utf8" });

interface Rule {
  alert?: string;
  record?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const groups = (parse(readFileSync(join(DIR, "alerts.yml"), "utf8")) as { groups: { rules: Rule[] }[] }).groups;
const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert);

test("promtool check rules accepts alerts.yml", () => {
  expect(promtool("check", "rules", "alerts.yml")).toContain("SUCCESS");
});

test("promtool test rules passes alerts.test.yml", () => {
  expect(promtool("test", "rules", "alerts.test.yml")).toContain("SUCCESS");
});

test("every alert has a for:, a severity and a summary", () => {
  expect(alerts.length).toBeGreaterThanOrEqual(13);
  for (const a of alerts) {
    expect(a.for, `${a.alert}: for`).toMatch(/^\d+[smh]$/);
    expect(["critical", "warning"], `${a.alert}: severity`).toContain(a.labels?.severity);
    expect(a.annotations?.summary?.length ?? 0, `${a.alert}: summary`).toBeGreaterThan(40);
  }
});

test("the rule tests cover every alert firing and not firing", () => {
  const spec = parse(readFileSync(join(DIR, "alerts.test.yml"), "utf8")) as {
    tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
  };
  const cases = spec.tests.flatMap((t) => t.alert_rule_test);
  for (const a of alerts) {
    const mine = cases.filter((c) => c.alertname === a.alert);
    expect(
      mine.some((c) => c.exp_alerts.length > 0),
      `${a.alert} fires in a test`,
    ).toBe(true);
    expect(
      mine.some((c) => c.exp_alerts.length === 0),
      `${a.alert} stays silent in a test`,
    ).toBe(true);
  }
});
