"use client";
// One ad: KPIs against the previous period, clicks per minute (final, open, corrected), and the
// country breakdown as a chart and a table; refreshed every few seconds, filters in the URL.
import { DEFAULT_TOP_N, rangeAndFilterInput, toSearchParams } from "@adclicks/api/schemas";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, XAxis, YAxis } from "recharts";
import { ClicksChart } from "~/components/clicks-chart";
import { countryName } from "~/components/countries";
import { ExportLink } from "~/components/export-link";
import { FilterBar } from "~/components/filter-bar";
import { fmtInt } from "~/components/format";
import { Kpis } from "~/components/kpis";
import { liveRefetch, useLivePanels } from "~/components/live-panels";
import { EmptyState, Panel, Skeleton } from "~/components/panel";
import { useDashboardParams } from "~/components/use-dashboard-params";
import { useTRPC } from "~/trpc/react";

const BREAKDOWN_CHART_ROWS = 10;

export function AdView({ adId }: { adId: string }) {
  const trpc = useTRPC();
  const state = useDashboardParams();
  const { params } = state;
  const q = useQuery(
    trpc.dashboard.ad.queryOptions(
      { ad_id: adId, ...rangeAndFilterInput(params) },
      {
        enabled: state.usable,
        placeholderData: keepPreviousData,
        refetchInterval: liveRefetch,
      },
    ),
  );
  const { data, ps, why, freshness, banner, body } = useLivePanels(q, state, "this ad");
  const tz = params.tz;
  const back = toSearchParams({ ...params, n: DEFAULT_TOP_N, sort: "clicks", dir: "desc" }).toString();
  const chartRows = (data?.breakdown ?? []).slice(0, BREAKDOWN_CHART_ROWS).map((r) => ({ ...r, label: r.country }));

  return (
    <div className={`dashboard ${q.isPlaceholderData ? "updating" : ""}`}>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href={`/dashboard${back ? `?${back}` : ""}`}>← All ads</Link>
      </nav>
      <h1 data-testid="ad-title">
        {adId}
        {data?.name && <span className="ad-name big">{data.name}</span>}
      </h1>
      <FilterBar state={state} />
      <Kpis data={state.usable ? data : undefined} tz={tz} state={ps} />
      {banner}
      <div className="layout">
        <Panel
          testId="ad-series"
          className="chart-panel"
          state={ps}
          title={`Clicks per ${data?.granularity ?? "minute"}`}
          actions={<ExportLink file="ad-series.csv" ad={adId} label={`clicks of ${adId} per minute`} />}
        >
          {body(
            (d) =>
              d.total === 0 && d.buckets.every((b) => b.late_clicks === 0) ? (
                <EmptyState>{why}</EmptyState>
              ) : (
                <ClicksChart
                  buckets={d.buckets}
                  granularity={d.granularity}
                  tz={tz}
                  variant="bar"
                  label={`Clicks of ${adId} per ${d.granularity}, ${d.total} in total`}
                />
              ),
            <Skeleton height={290} />,
          )}
          {freshness}
        </Panel>
        <Panel
          testId="ad-breakdown"
          state={ps}
          title="By country"
          actions={<ExportLink file="ad-breakdown.csv" ad={adId} label={`clicks of ${adId} by country`} />}
        >
          {body(
            (d) =>
              d.breakdown.length === 0 ? (
                <EmptyState>{why}</EmptyState>
              ) : (
                <>
                  <div className="breakdown-chart" aria-hidden="true" style={{ height: 28 * chartRows.length + 24 }}>
                    <ResponsiveContainer width="100%" height="100%">
                      <BarChart
                        data={chartRows}
                        layout="vertical"
                        margin={{ top: 0, right: 12, bottom: 0, left: 0 }}
                        accessibilityLayer={false}
                      >
                        <CartesianGrid horizontal={false} stroke="var(--line)" strokeDasharray="3 3" />
                        <XAxis
                          type="number"
                          allowDecimals={false}
                          tick={{ fontSize: 12, fill: "var(--muted)" }}
                          stroke="var(--line)"
                        />
                        <YAxis
                          type="category"
                          dataKey="label"
                          width={36}
                          tick={{ fontSize: 12, fill: "var(--ink)" }}
                          stroke="var(--line)"
                        />
                        <Bar dataKey="count" fill="var(--chart-main)" isAnimationActive={false} radius={[0, 3, 3, 0]} />
                      </BarChart>
                    </ResponsiveContainer>
                  </div>
                  <div className="table-scroll">
                    <table data-testid="breakdown-table">
                      <caption className="sr-only">Clicks of {adId} by country</caption>
                      <thead>
                        <tr>
                          <th scope="col">Country</th>
                          <th scope="col" className="num">
                            Clicks
                          </th>
                          <th scope="col" className="num">
                            Share
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        {d.breakdown.map((r) => (
                          <tr key={r.country} data-testid="breakdown-row" data-country={r.country}>
                            <td>
                              {countryName(r.country)} <span className="muted">{r.country}</span>
                            </td>
                            <td className="num" data-testid="breakdown-count">
                              {fmtInt(r.count)}
                            </td>
                            <td className="num">{d.total > 0 ? `${((r.count / d.total) * 100).toFixed(1)}%` : "—"}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </>
              ),
            <Skeleton lines={5} />,
          )}
          {freshness}
        </Panel>
      </div>
    </div>
  );
}
