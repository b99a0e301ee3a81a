// The Grafana dashboard for teams that run Grafana (infra/grafana/adclicks-ops.json), built from
// the ops view's own PromQL (ops-queries.ts) plus the alert list, so both show the same figures.
// Regenerate the file with `npx tsx packages/api/src/monitoring/grafana-cli.ts`; a unit test
// fails when it is out of date.
import { OPS_CHARTS, type OpsChart } from "./ops-queries";

const UNIT: Record<OpsChart["unit"], string> = { per_second: "ops", records: "short", seconds: "s" };
// Grafana's own variable syntax (the datasource picked on import), not a JavaScript template.
const DATASOURCE = { type: "prometheus", uid: ["$", "{datasource}"].join("") };

export function grafanaDashboard(): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [
    {
      id: 1,
      type: "alertlist",
      title: "Firing and pending alerts (infra/prometheus/alerts.yml)",
      gridPos: { x: 0, y: 0, w: 24, h: 6 },
      options: {
        alertInstanceLabelFilter: "",
        stateFilter: { firing: true, pending: true, normal: false },
        sortOrder: 1,
        viewMode: "list",
        maxItems: 30,
        showInstances: true,
      },
    },
    ...OPS_CHARTS.map((chart, i) => ({
      id: i + 2,
      type: "timeseries",
      title: chart.title,
      datasource: DATASOURCE,
      gridPos: { x: (i % 2) * 12, y: 6 + Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: UNIT[chart.unit] }, overrides: [] },
      options: { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
      targets: chart.queries.map((q, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: DATASOURCE,
        expr: q.promql,
        legendFormat: q.legend,
      })),
    })),
  ];
  return {
    title: "Ad clicks: ops",
    uid: "adclicks-ops",
    tags: ["adclicks"],
    timezone: "utc",
    schemaVersion: 39,
    refresh: "15s",
    time: { from: "now-1h", to: "now" },
    templating: {
      list: [{ name: "datasource", type: "datasource", query: "prometheus", label: "Prometheus" }],
    },
    panels,
  };
}

export function grafanaDashboardJson(): string {
  return `${JSON.stringify(grafanaDashboard(), null, 2)}\n`;
}
