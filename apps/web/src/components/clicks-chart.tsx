"use client";
// Clicks per bucket with finality drawn in: final buckets solid, open ones (may still grow)
// hatched or dashed, buckets that late clicks corrected marked with a diamond. Redraws in place
// on every refresh (no animation, same axes), and carries its numbers as a table for screen
// readers and anyone who prefers text.
import { useMemo, useState } from "react";
import { Area, Bar, CartesianGrid, ComposedChart, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from "recharts";
import { fmtClock, fmtDateTime, fmtInt } from "./format";

export interface ChartBucket {
  ts: string;
  clicks: number;
  final: boolean;
  late_clicks: number;
  /** Reconciliation recounted every minute of it and found the count exact. */
  verified?: boolean;
}

interface Row {
  ts: string;
  label: string;
  clicks: number;
  late: number;
  isFinal: boolean;
  verified: boolean;
  final: number | null;
  open: number | null;
  corrected: number | null;
}

function toRows(buckets: readonly ChartBucket[], tz: string, hourly: boolean, variant: "area" | "bar"): Row[] {
  const longRange =
    buckets.length > 0 && Date.parse(buckets.at(-1)?.ts ?? "") - Date.parse(buckets[0]?.ts ?? "") > 86_400_000;
  return buckets.map((b, i) => {
    const nextOpen = buckets[i + 1] !== undefined && !buckets[i + 1]?.final;
    return {
      ts: b.ts,
      label: hourly && longRange ? fmtDateTime(b.ts, tz) : fmtClock(b.ts, tz),
      clicks: b.clicks,
      late: b.late_clicks,
      isFinal: b.final,
      verified: b.verified === true,
      final: b.final ? b.clicks : null,
      // An area's open part starts at the last final point, so the line does not break.
      open: !b.final || (variant === "area" && nextOpen) ? b.clicks : null,
      corrected: b.late_clicks > 0 ? b.clicks : null,
    };
  });
}

function ChartTooltip({ active, payload }: { active?: boolean; payload?: readonly { payload?: unknown }[] }) {
  const row = active ? (payload?.[0]?.payload as Row | undefined) : undefined;
  if (!row) return null;
  return (
    <div className="chart-tooltip">
      <strong>{row.label}</strong>
      <div>{fmtInt(row.clicks)} clicks</div>
      <div className="muted">{row.isFinal ? "final" : "open: may still grow"}</div>
      {row.verified && <div className="muted">verified by reconciliation</div>}
      {row.late > 0 && <div className="warn-text">+{fmtInt(row.late)} late clicks (corrected)</div>}
    </div>
  );
}

export function ClicksChart(props: {
  buckets: readonly ChartBucket[];
  granularity: "minute" | "hour";
  tz: string;
  variant: "area" | "bar";
  label: string;
  height?: number;
}) {
  const { buckets, granularity, tz, variant } = props;
  const rows = useMemo(() => toRows(buckets, tz, granularity === "hour", variant), [buckets, tz, granularity, variant]);
  const [showTable, setShowTable] = useState(false);
  const corrected = rows.filter((r) => r.late > 0).length;
  const verified = rows.filter((r) => r.verified).length;
  const unit = granularity === "minute" ? "minute" : "hour";
  return (
    <figure className="chart" aria-label={props.label}>
      <div className="chart-box" style={{ height: props.height ?? 260 }} aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -12 }} accessibilityLayer={false}>
            <defs>
              <pattern id="open-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                <rect width="6" height="6" fill="var(--chart-open-bg)" />
                <line x1="0" y1="0" x2="0" y2="6" stroke="var(--chart-main)" strokeWidth="2.5" />
              </pattern>
            </defs>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" vertical={false} />
            <XAxis dataKey="label" minTickGap={28} tick={{ fontSize: 12, fill: "var(--muted)" }} stroke="var(--line)" />
            <YAxis
              allowDecimals={false}
              tick={{ fontSize: 12, fill: "var(--muted)" }}
              stroke="var(--line)"
              width={56}
            />
            <Tooltip
              content={(p) => <ChartTooltip active={p.active} payload={p.payload} />}
              isAnimationActive={false}
              cursor={{ fill: "var(--hover)" }}
            />
            {variant === "area" ? (
              <>
                <Area
                  dataKey="final"
                  type="monotone"
                  stroke="var(--chart-main)"
                  strokeWidth={2}
                  fill="var(--chart-fill)"
                  isAnimationActive={false}
                  connectNulls={false}
                />
                <Area
                  dataKey="open"
                  type="monotone"
                  stroke="var(--chart-main)"
                  strokeWidth={2}
                  strokeDasharray="5 4"
                  fill="url(#open-hatch)"
                  fillOpacity={0.5}
                  isAnimationActive={false}
                  connectNulls={false}
                />
              </>
            ) : (
              <>
                <Bar dataKey="final" stackId="c" fill="var(--chart-main)" isAnimationActive={false} />
                <Bar
                  dataKey="open"
                  stackId="c"
                  fill="url(#open-hatch)"
                  stroke="var(--chart-main)"
                  isAnimationActive={false}
                />
              </>
            )}
            <Scatter dataKey="corrected" fill="var(--warn)" shape="diamond" isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="chart-legend">
        <span>
          <i className="key key-final" aria-hidden="true" /> final
        </span>
        <span>
          <i className="key key-open" aria-hidden="true" /> open (may still grow)
        </span>
        <span>
          <i className="key key-corrected" aria-hidden="true" /> corrected by late clicks
          {corrected > 0 ? ` (${corrected})` : ""}
        </span>
        {verified > 0 && (
          <span data-testid="chart-verified">
            ✓ verified by reconciliation ({verified} of {rows.length})
          </span>
        )}
        <button type="button" className="link-button" aria-expanded={showTable} onClick={() => setShowTable((v) => !v)}>
          {showTable ? "Hide table" : "Show as table"}
        </button>
      </figcaption>
      {showTable && (
        <div className="table-scroll chart-table">
          <table data-testid="chart-table">
            <caption className="sr-only">{props.label}</caption>
            <thead>
              <tr>
                <th scope="col">{unit === "minute" ? "Minute" : "Hour"}</th>
                <th scope="col" className="num">
                  Clicks
                </th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Late clicks
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.ts} data-testid="chart-row">
                  <td>{r.label}</td>
                  <td className="num">{fmtInt(r.clicks)}</td>
                  <td>{r.isFinal ? (r.verified ? "final, verified" : "final") : "open"}</td>
                  <td className="num">{r.late > 0 ? fmtInt(r.late) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </figure>
  );
}
