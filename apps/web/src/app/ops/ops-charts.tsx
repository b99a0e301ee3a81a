"use client";
// The ops charts (queries: packages/api/src/monitoring/ops-queries.ts, the same as the Grafana
// dashboard's): events per second per stage, lag per partition, freshness p50/p99, checkpoint
// duration, dead letters per reason; over a chosen range.
import type { RouterOutputs } from "@adclicks/api";
import { CHART_RANGES_MINUTES } from "@adclicks/api/schemas";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { loadingState } from "~/components/format";
import { Panel } from "~/components/panel";
import { useTRPC } from "~/trpc/react";

type Chart = RouterOutputs["ops"]["charts"]["charts"][number];
type Minutes = (typeof CHART_RANGES_MINUTES)[number];

const COLORS = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
const RANGE_LABEL: Record<Minutes, string> = { 15: "15 min", 60: "1 h", 360: "6 h", 1440: "24 h" };

function fmtValue(v: number, unit: Chart["unit"]): string {
  if (unit === "seconds") return v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(1)} s`;
  if (unit === "per_second")
    return `${v === 0 ? 0 : v < 0.1 ? v.toPrecision(2) : v < 10 ? v.toFixed(2) : Math.round(v)}/s`;
  return v >= 10_000 ? `${Math.round(v / 1000)}k` : String(Math.round(v));
}

export function OpsCharts() {
  const trpc = useTRPC();
  const [minutes, setMinutes] = useState<Minutes>(60);
  const q = useQuery(trpc.ops.charts.queryOptions({ minutes }, { refetchInterval: 15_000 }));
  return (
    <Panel
      title="Pipeline"
      testId="ops-charts"
      state={loadingState(q)}
      actions={
        <fieldset className="segmented" aria-label="Chart range">
          {CHART_RANGES_MINUTES.map((m) => (
            <button key={m} type="button" aria-pressed={m === minutes} onClick={() => setMinutes(m)}>
              {RANGE_LABEL[m]}
            </button>
          ))}
        </fieldset>
      }
    >
      {q.isError && <p className="error">{q.error.message}</p>}
      {q.data && !q.data.prometheus.ok && <p className="muted">No charts: Prometheus is unreachable.</p>}
      <div className="ops-charts">
        {q.data?.charts.map((c) => (
          <OpsChart key={c.id} chart={c} />
        ))}
      </div>
    </Panel>
  );
}

function OpsChart({ chart }: { chart: Chart }) {
  // One row per timestamp, one column per series, as recharts wants it.
  const rows = new Map<number, Record<string, number>>();
  for (const s of chart.series)
    for (const [t, v] of s.points) {
      const row = rows.get(t) ?? { t };
      row[s.name] = v;
      rows.set(t, row);
    }
  const data = [...rows.values()].sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
  return (
    <figure className="ops-chart" data-testid={`ops-chart-${chart.id}`}>
      <figcaption>{chart.title}</figcaption>
      {data.length === 0 ? (
        <p className="muted">No data in this range.</p>
      ) : (
        <div className="chart-box" style={{ height: 180 }}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis
                dataKey="t"
                type="number"
                domain={["dataMin", "dataMax"]}
                tickFormatter={(t: number) => new Date(t).toISOString().slice(11, 16)}
                minTickGap={40}
                fontSize={11}
              />
              <YAxis width={52} fontSize={11} tickFormatter={(v: number) => fmtValue(v, chart.unit)} />
              <Tooltip
                labelFormatter={(t) => `${new Date(Number(t)).toISOString().slice(11, 19)} UTC`}
                formatter={(v) => fmtValue(Number(v), chart.unit)}
              />
              {chart.series.map((s, i) => (
                <Line
                  key={s.name}
                  dataKey={s.name}
                  stroke={COLORS[i % COLORS.length]}
                  dot={false}
                  isAnimationActive={false}
                  strokeWidth={1.5}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      {chart.series.length > 0 && (
        <ul className="chart-legend">
          {chart.series.slice(0, 12).map((s, i) => (
            <li key={s.name}>
              <span className="key" style={{ background: COLORS[i % COLORS.length] }} aria-hidden="true" />
              {s.name}
            </li>
          ))}
          {chart.series.length > 12 && <li className="muted">+{chart.series.length - 12} more</li>}
        </ul>
      )}
    </figure>
  );
}
