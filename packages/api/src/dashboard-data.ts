// What the advertiser dashboards show, computed once for the tRPC procedures and the CSV export:
// the overview (totals against the previous period, the chart of all the viewer's ads, the top N
// with sparklines) and one ad's page (its series and country breakdown). Each series bucket says
// whether it is final and how many late clicks corrected it.
import { todayRange } from "@adclicks/core";
import {
  chooseGranularity,
  getAdsById,
  getAdTotals,
  getClickSeries,
  getCountryBreakdown,
  getLateCorrections,
  getPopularAds,
  getScopeSeries,
  isFinal,
  type QueryDeps,
  type QuerySource,
  type ResolvedRange,
  resolveRange,
  stepOf,
  type TimeRange,
} from "@adclicks/db/queries";
import { scopeOf, type Viewer } from "./access";
import { isoOrNull, isoTime, toFilter, toTimeRange } from "./schemas/query-params";
import { cachedVerifiedThrough } from "./verified-through";

/** One bucket of a chart: its start, whether it is final, and the late clicks that corrected it. */
export interface DashboardBucket {
  ts: string;
  clicks: number;
  /** Every minute of the bucket is final (the watermark passed it): only late clicks can change it. */
  final: boolean;
  /** Clicks added to the bucket after it was final (late events); 0 when none. */
  late_clicks: number;
  /**
   * Reconciliation's verdict: every minute of the bucket is before `verified_through` (a recount
   * from the raw log through the live code matched the rollups).
   */
  verified: boolean;
}

export interface RangeFields {
  minutes?: number | undefined;
  from?: number | undefined;
  to?: number | undefined;
  today?: true | undefined;
  tz: string;
  country?: string | undefined;
  ip?: string | undefined;
  user_id?: string | undefined;
}

/** The query layer's range for the input ("today" starts at local midnight in tz). */
export function dashboardTimeRange(input: RangeFields, nowMs: number): TimeRange {
  if (input.today) return { kind: "between", ...todayRange(nowMs, input.tz) };
  return toTimeRange(input);
}

export const previousRange = (r: ResolvedRange): ResolvedRange => ({
  fromMs: r.fromMs - (r.toMs - r.fromMs),
  toMs: r.fromMs,
});

function bucketsOf(
  starts: readonly number[],
  counts: readonly number[],
  range: ResolvedRange,
  step: number,
  asOfMs: number | null,
  late: ReadonlyMap<number, number>,
  verifiedThroughMs: number | null,
): DashboardBucket[] {
  const first = starts[0] ?? range.fromMs;
  const lateByBucket = new Array<number>(starts.length).fill(0);
  for (const [minuteMs, n] of late) {
    const i = Math.floor((minuteMs - first) / step);
    if (i >= 0 && i < lateByBucket.length) lateByBucket[i] = (lateByBucket[i] ?? 0) + n;
  }
  return starts.map((t, i) => ({
    ts: isoTime(t),
    clicks: counts[i] ?? 0,
    final: isFinal({ fromMs: t, toMs: Math.min(t + step, range.toMs) }, asOfMs),
    late_clicks: lateByBucket[i] ?? 0,
    verified: verifiedThroughMs !== null && Math.min(t + step, range.toMs) <= verifiedThroughMs,
  }));
}

const rangeOut = (r: ResolvedRange) => ({ from: isoTime(r.fromMs), to: isoTime(r.toMs) });

export async function getOverview(
  deps: QueryDeps,
  viewer: Viewer,
  input: RangeFields & { count: number },
  nowMs: number,
) {
  const scope = scopeOf(viewer);
  const filter = toFilter(input);
  // One clock for every panel, so they all count the same interval and the numbers on screen add
  // up. The range is the clock's, so the panels that do not need the top N start with it.
  const at: QueryDeps = { ...deps, now: () => nowMs };
  const timeRange = dashboardTimeRange(input, nowMs);
  const range = resolveRange(timeRange, nowMs);
  const granularity = chooseGranularity(range.fromMs, range.toMs);
  const step = stepOf(granularity);
  const prev = previousRange(range);
  const ofTop = getPopularAds(at, { n: input.count, range: timeRange, filter, scope }).then(async (top) => {
    const topIds = top.ads.map((a) => a.adId);
    const [spark, prevByAd, catalog] = await Promise.all([
      topIds.length > 0
        ? getClickSeries(at, { adIds: topIds, range: { kind: "between", ...range }, granularity, filter })
        : null,
      getAdTotals(at, { adIds: topIds, range: prev, filter }),
      getAdsById(at, topIds),
    ]);
    return { top, spark, prevByAd, catalog };
  });
  const [{ top, spark, prevByAd, catalog }, series, previous, late, verified] = await Promise.all([
    ofTop,
    getScopeSeries(at, { range, granularity, filter, scope }),
    getScopeSeries(at, { range: prev, granularity: "hour", filter, scope }),
    getLateCorrections(at, { range, ads: { scope }, country: filter.country }),
    cachedVerifiedThrough(at.db),
  ]);
  const sparkOf = new Map(spark?.series.map((s) => [s.adId, s.counts]) ?? []);
  return {
    ...rangeOut(range),
    tz: input.tz,
    as_of: isoOrNull(top.asOfMs),
    final: top.final,
    verified_through: isoOrNull(verified),
    granularity,
    total: series.total,
    previous: { ...rangeOut(prev), total: previous.total },
    buckets: bucketsOf(series.bucketsMs, series.counts, range, step, top.asOfMs, late, verified),
    top: {
      source: top.source satisfies QuerySource,
      ads: top.ads.map((a) => ({
        ad_id: a.adId,
        name: catalog.get(a.adId)?.name ?? null,
        count: a.count,
        previous: prevByAd.get(a.adId) ?? 0,
        spark: sparkOf.get(a.adId) ?? [],
      })),
    },
  };
}

export type Overview = Awaited<ReturnType<typeof getOverview>>;

/** One ad's page; the caller has checked that the viewer may see the ad. */
export async function getAdDetail(deps: QueryDeps, input: RangeFields & { ad_id: string }, nowMs: number) {
  const filter = toFilter(input);
  const series = await getClickSeries(deps, {
    adIds: [input.ad_id],
    range: dashboardTimeRange(input, nowMs),
    filter,
  });
  const range: ResolvedRange = { fromMs: series.fromMs, toMs: series.toMs };
  const prev = previousRange(range);
  const [breakdown, prevTotals, late, catalog, verified] = await Promise.all([
    getCountryBreakdown(deps, { adId: input.ad_id, range: { kind: "between", ...range }, filter }),
    getAdTotals(deps, { adIds: [input.ad_id], range: prev, filter }),
    getLateCorrections(deps, { range, ads: { adIds: [input.ad_id] }, country: filter.country }),
    getAdsById(deps, [input.ad_id]),
    cachedVerifiedThrough(deps.db),
  ]);
  const counts = series.series[0]?.counts ?? [];
  const ad = catalog.get(input.ad_id);
  return {
    ad_id: input.ad_id,
    name: ad?.name ?? null,
    advertiser_id: ad?.advertiserId ?? null,
    ...rangeOut(range),
    tz: input.tz,
    as_of: isoOrNull(series.asOfMs),
    final: isFinal(range, series.asOfMs),
    verified_through: isoOrNull(verified),
    granularity: series.granularity,
    total: series.series[0]?.total ?? 0,
    previous: { ...rangeOut(prev), total: prevTotals.get(input.ad_id) ?? 0 },
    buckets: bucketsOf(
      series.buckets.map((b) => b.tsMs),
      counts,
      range,
      stepOf(series.granularity),
      series.asOfMs,
      late,
      verified,
    ),
    breakdown: breakdown.rows.map((r) => ({ country: r.value, count: r.count })),
  };
}

export type AdDetail = Awaited<ReturnType<typeof getAdDetail>>;
