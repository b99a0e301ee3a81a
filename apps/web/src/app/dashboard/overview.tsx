"use client";
// The advertiser overview: KPIs against the previous period, clicks per minute of all the
// viewer's ads, and the top N with sparklines — one query, refreshed every few seconds without
// resetting anything (the previous answer stays on screen while the next one loads).
import {
  changeRatio,
  DEFAULT_TOP_N,
  overviewQueryInput,
  sortTopAds,
  TOP_N_CHOICES,
  toSearchParams,
} from "@adclicks/api/schemas";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { ClicksChart } from "~/components/clicks-chart";
import { ExportLink } from "~/components/export-link";
import { FilterBar } from "~/components/filter-bar";
import { fmtChange, fmtInt } from "~/components/format";
import { Kpis } from "~/components/kpis";
import { liveRefetch, useLivePanels } from "~/components/live-panels";
import { EmptyState, Panel, Skeleton } from "~/components/panel";
import { Sparkline } from "~/components/sparkline";
import { useDashboardParams } from "~/components/use-dashboard-params";
import { useTRPC } from "~/trpc/react";

export function Overview() {
  const trpc = useTRPC();
  const state = useDashboardParams();
  const { params } = state;
  const q = useQuery(
    trpc.dashboard.overview.queryOptions(overviewQueryInput(params), {
      enabled: state.usable,
      placeholderData: keepPreviousData,
      refetchInterval: liveRefetch,
    }),
  );
  const { data, ps, why, freshness, banner, body } = useLivePanels(q, state, "your ads");
  const tz = params.tz;
  // The ad pages keep the range, zone and filters (not the table's own N and order).
  const carryQs = toSearchParams({ ...params, n: DEFAULT_TOP_N, sort: "clicks", dir: "desc" }).toString();
  const carry = carryQs ? `?${carryQs}` : "";
  const ads = data ? sortTopAds(data.top.ads, params.sort, params.dir) : [];
  const sortButton = (key: typeof params.sort, label: string) => {
    const on = params.sort === key;
    return (
      <button
        type="button"
        className="sort"
        data-testid={`sort-${key}`}
        onClick={() =>
          state.update({
            sort: key,
            dir: on ? (params.dir === "desc" ? "asc" : "desc") : key === "ad" ? "asc" : "desc",
          })
        }
      >
        {label}
        <span aria-hidden="true">{on ? (params.dir === "desc" ? " ▼" : " ▲") : ""}</span>
      </button>
    );
  };
  const ariaSort = (key: typeof params.sort) =>
    params.sort === key ? (params.dir === "desc" ? "descending" : "ascending") : undefined;

  return (
    <div className={`dashboard ${q.isPlaceholderData ? "updating" : ""}`}>
      <FilterBar state={state} />
      <Kpis data={state.usable ? data : undefined} tz={tz} state={ps} />
      {banner}
      <div className="layout">
        <Panel
          testId="clicks-chart"
          className="chart-panel"
          state={ps}
          title={`Clicks per ${data?.granularity ?? "minute"}, all your ads`}
          actions={<ExportLink file="overview-series.csv" label="clicks per minute and ad" />}
        >
          {body(
            (d) =>
              d.total === 0 && d.buckets.every((b) => b.clicks === 0) ? (
                <EmptyState>{why}</EmptyState>
              ) : (
                <ClicksChart
                  buckets={d.buckets}
                  granularity={d.granularity}
                  tz={tz}
                  variant="area"
                  label={`Clicks per ${d.granularity} of all your ads, ${d.total} in total`}
                />
              ),
            <Skeleton height={290} />,
          )}
          {freshness}
        </Panel>

        <Panel
          testId="top-ads"
          state={ps}
          title={`Top ${params.n} ads`}
          actions={
            <>
              <label className="inline-field">
                <span>N</span>
                <select
                  value={params.n}
                  data-testid="top-n"
                  onChange={(e) => state.update({ n: Number(e.target.value) })}
                >
                  {TOP_N_CHOICES.map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </select>
              </label>
              <ExportLink file="overview-top.csv" label="the top ads table" />
            </>
          }
        >
          {body(
            () =>
              ads.length === 0 ? (
                <EmptyState>{why}</EmptyState>
              ) : (
                <div className="table-scroll">
                  <table className="top-table">
                    <caption className="sr-only">Your most-clicked ads in this range</caption>
                    <thead>
                      <tr>
                        <th scope="col" className="rank">
                          #
                        </th>
                        <th scope="col" aria-sort={ariaSort("ad")}>
                          {sortButton("ad", "Ad")}
                        </th>
                        <th scope="col" className="num" aria-sort={ariaSort("clicks")}>
                          {sortButton("clicks", "Clicks")}
                        </th>
                        <th scope="col" className="num hide-narrow">
                          Share
                        </th>
                        <th scope="col" className="num" aria-sort={ariaSort("change")}>
                          {sortButton("change", "vs prev.")}
                        </th>
                        <th scope="col" className="hide-narrow">
                          Trend
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {ads.map((a, i) => {
                        const change = fmtChange(a.count, a.previous);
                        return (
                          <tr key={a.ad_id} data-testid="top-ad-row" data-ad-id={a.ad_id}>
                            <td className="rank">{i + 1}</td>
                            <td>
                              <Link href={`/ads/${encodeURIComponent(a.ad_id)}${carry}`} prefetch={false}>
                                {a.ad_id}
                              </Link>
                              {a.name && <span className="ad-name">{a.name}</span>}
                            </td>
                            <td className="num" data-testid="top-ad-count">
                              {fmtInt(a.count)}
                            </td>
                            <td className="num hide-narrow">
                              {data && data.total > 0 ? `${((a.count / data.total) * 100).toFixed(1)}%` : "—"}
                            </td>
                            <td
                              className={`num trend-${change.trend}`}
                              title={`${fmtInt(a.previous)} in the previous period`}
                              data-ratio={changeRatio(a)}
                            >
                              {change.text}
                            </td>
                            <td className="hide-narrow">
                              <Sparkline values={a.spark} />
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              ),
            <Skeleton lines={6} />,
          )}
          {freshness}
        </Panel>
      </div>
    </div>
  );
}
