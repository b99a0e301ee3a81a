"use client";
// Live dashboard: clicks per minute for the viewer's ads (chart), the top ads over a selectable
// window M, and attribute filters. Everything refetches every few seconds.
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { fmtInt, fmtTime, loadingState } from "~/components/format";
import { useTRPC } from "~/trpc/react";

const WINDOWS = [1, 5, 15, 30, 60, 180, 1440] as const;
const REFRESH_MS = 5_000;
const LINE_COLORS = ["#2f6fde", "#1f8a4c", "#b7791f", "#805ad5"];

interface Filters {
  country?: string;
  ip?: string;
  user_id?: string;
}

function readFilters(form: FormData): Filters {
  const out: Filters = {};
  for (const k of ["country", "ip", "user_id"] as const) {
    const v = String(form.get(k) ?? "").trim();
    if (v) out[k] = v;
  }
  return out;
}

export function Dashboard() {
  const trpc = useTRPC();
  const [windowMinutes, setWindowMinutes] = useState<number>(5);
  const [filters, setFilters] = useState<Filters>({});
  // The chart shows at least half an hour, so a 1-minute window still has a shape.
  const chartMinutes = Math.max(windowMinutes, 30);

  const ads = useQuery(trpc.ads.list.queryOptions());
  const adIds = useMemo(() => (ads.data ?? []).slice(0, 50).map((a) => a.ad_id), [ads.data]);
  const names = useMemo(() => new Map((ads.data ?? []).map((a) => [a.ad_id, a.name])), [ads.data]);

  const top = useQuery(
    trpc.ads.popularAds.queryOptions({ count: 10, window: windowMinutes, ...filters }, { refetchInterval: REFRESH_MS }),
  );
  const series = useQuery(
    trpc.ads.series.queryOptions(
      { ad_ids: adIds, minutes: chartMinutes, ...filters },
      { enabled: adIds.length > 0, refetchInterval: REFRESH_MS },
    ),
  );

  const chart = useMemo(() => {
    const s = series.data;
    if (!s) return { rows: [], lines: [] as string[], windowTotal: 0 };
    const lines = [...s.series]
      .sort((a, b) => b.total - a.total)
      .filter((x) => x.total > 0)
      .slice(0, 3)
      .map((x) => x.ad_id);
    const rows = s.buckets.map((b, i) => {
      const row: Record<string, number | string> = {
        t: s.granularity === "minute" ? b.ts.slice(11, 16) : b.ts.slice(5, 13),
      };
      row.total = s.series.reduce((acc, x) => acc + (x.counts[i] ?? 0), 0);
      for (const id of lines) row[id] = s.series.find((x) => x.ad_id === id)?.counts[i] ?? 0;
      return row;
    });
    // Minute buckets: the window total is the last M buckets; hour buckets cover exactly M.
    const inWindow = s.granularity === "minute" ? rows.slice(-windowMinutes) : rows;
    return { rows, lines, windowTotal: inWindow.reduce((acc, r) => acc + Number(r.total), 0) };
  }, [series.data, windowMinutes]);

  const noAds = ads.isSuccess && adIds.length === 0;
  return (
    <>
      <div className="panel">
        <form
          className="filters"
          onSubmit={(e) => {
            e.preventDefault();
            setFilters(readFilters(new FormData(e.currentTarget)));
          }}
        >
          <label>
            Window (last M minutes)
            <select
              name="window"
              value={windowMinutes}
              onChange={(e) => setWindowMinutes(Number(e.target.value))}
              data-testid="window-select"
            >
              {WINDOWS.map((w) => (
                <option key={w} value={w}>
                  {w < 60 ? `${w} min` : `${w / 60} h`}
                </option>
              ))}
            </select>
          </label>
          <label>
            Country
            <input name="country" placeholder="e.g. US" maxLength={2} size={4} />
          </label>
          <label>
            IP
            <input name="ip" placeholder="e.g. 203.0.113.7" />
          </label>
          <label>
            User id
            <input name="user_id" placeholder="e.g. user-42" />
          </label>
          <button type="submit">Apply filters</button>
          <button type="reset" className="secondary" onClick={() => setFilters({})}>
            Clear
          </button>
        </form>
      </div>

      <div className="kpis">
        <div className="kpi" data-testid="kpi-clicks" data-loading-state={noAds ? "ready" : loadingState(series)}>
          <div className="label">Clicks, last {windowMinutes} min</div>
          <div className="value">{series.data ? fmtInt(chart.windowTotal) : "…"}</div>
        </div>
        <div className="kpi">
          <div className="label">Ads</div>
          <div className="value">{ads.data ? fmtInt(ads.data.length) : "…"}</div>
        </div>
        <div className="kpi">
          <div className="label">Complete up to</div>
          <div className="value" title="every minute before this is final">
            {fmtTime(top.data?.as_of ?? null)}
          </div>
        </div>
      </div>

      <div className="grid">
        <section
          className="panel"
          data-testid="clicks-chart"
          data-loading-state={noAds ? "ready" : loadingState(series)}
        >
          <h2>Clicks per {series.data?.granularity ?? "minute"}</h2>
          {series.isError && <p className="error">{series.error.message}</p>}
          {noAds && <p className="muted">No ads in your catalogue yet.</p>}
          <ResponsiveContainer width="100%" height={280}>
            <LineChart data={chart.rows}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e1e5eb" />
              <XAxis dataKey="t" minTickGap={24} />
              <YAxis allowDecimals={false} />
              <Tooltip />
              <Legend />
              <Line
                type="monotone"
                dataKey="total"
                name="all my ads"
                stroke="#1d2330"
                dot={false}
                isAnimationActive={false}
              />
              {chart.lines.map((id, i) => (
                <Line
                  key={id}
                  type="monotone"
                  dataKey={id}
                  stroke={LINE_COLORS[i % LINE_COLORS.length]}
                  dot={false}
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
          <p className="muted">Minutes after {fmtTime(series.data?.as_of ?? null)} are still open and may grow.</p>
        </section>

        <section className="panel" data-testid="top-ads" data-loading-state={loadingState(top)}>
          <h2>Top ads, last {windowMinutes} min</h2>
          {top.isError && <p className="error">{top.error.message}</p>}
          {top.data && top.data.ads.length === 0 && <p className="muted">No clicks in this window.</p>}
          {top.data && top.data.ads.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>#</th>
                  <th>Ad</th>
                  <th className="num">Clicks</th>
                </tr>
              </thead>
              <tbody>
                {top.data.ads.map((a, i) => (
                  <tr key={a.ad_id} data-testid="top-ad-row" data-ad-id={a.ad_id}>
                    <td>{i + 1}</td>
                    <td>
                      <strong>{a.ad_id}</strong> <span className="muted">{names.get(a.ad_id) ?? ""}</span>
                    </td>
                    <td className="num" data-testid="top-ad-count">
                      {fmtInt(a.count)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {top.data && (
            <p className="muted">
              {fmtTime(top.data.from)} – {fmtTime(top.data.to)} {top.data.final ? "(final)" : "(live)"}
            </p>
          )}
        </section>
      </div>
    </>
  );
}
