// The headline numbers of a dashboard: clicks in the range, the change against the previous
// period of the same length, the rate per minute, and how far the numbers are final.
import { fmtChange, fmtClock, fmtInt, fmtRange } from "./format";

export interface KpiData {
  total: number;
  previous: { from: string; to: string; total: number };
  from: string;
  to: string;
  as_of: string | null;
  final: boolean;
}

export function Kpis({ data, tz, state }: { data: KpiData | undefined; tz: string; state: string }) {
  const minutes = data ? Math.max(1, (Date.parse(data.to) - Date.parse(data.from)) / 60_000) : 1;
  const change = data ? fmtChange(data.total, data.previous.total) : null;
  return (
    <div className="kpis" data-testid="kpis" data-loading-state={state}>
      <div className="kpi" data-testid="kpi-clicks">
        <div className="label">Clicks</div>
        <div className="value">{data ? fmtInt(data.total) : "…"}</div>
        <div className="sub">{data ? fmtRange(data.from, data.to, tz) : " "}</div>
      </div>
      <div className="kpi" data-testid="kpi-change">
        <div className="label">vs previous period</div>
        <div className={`value trend-${change?.trend ?? "flat"}`}>{change?.text ?? "…"}</div>
        <div className="sub">{data ? `${fmtInt(data.previous.total)} before` : " "}</div>
      </div>
      <div className="kpi" data-testid="kpi-rate">
        <div className="label">Per minute</div>
        <div className="value">{data ? fmtInt(Math.round(data.total / minutes)) : "…"}</div>
        <div className="sub">average</div>
      </div>
      <div className="kpi" data-testid="kpi-final">
        <div className="label">Final up to</div>
        <div className="value">{data?.as_of ? fmtClock(data.as_of, tz) : "—"}</div>
        <div className="sub">{data ? (data.final ? "whole range final" : "later minutes open") : " "}</div>
      </div>
    </div>
  );
}
