import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { grafanaDashboard, grafanaDashboardJson } from "./grafana-dashboard";
import { OPS_CHARTS } from "./ops-queries";

test("infra/grafana/adclicks-ops.json is the generated dashboard (npx tsx packages/api/src/monitoring/grafana-cli.ts)", () => {
  const file = fileURLToPath(new URL("../../../../infra/grafana/adclicks-ops.json", import.meta.url));
  // Compared as data: the formatter (biome) may lay the file out its own way.
  expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(JSON.parse(grafanaDashboardJson()));
});

test("the dashboard runs exactly the ops view's queries", () => {
  const panels = grafanaDashboard().panels as { targets?: { expr: string }[] }[];
  const exprs = panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
  expect(exprs).toEqual(OPS_CHARTS.flatMap((c) => c.queries.map((q) => q.promql)));
});
