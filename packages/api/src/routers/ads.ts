// The ads domain: counts, top N, series and breakdowns for dashboards and partners. The first
// two are also the partner REST API (the book's endpoints), generated from these schemas.
import { getAggregatedCount, getClickSeries, getCountryBreakdown, getPopularAds, listAds } from "@adclicks/db/queries";
import { TRPCError, type TRPCRouterRecord } from "@trpc/server";
import { canViewAd, canViewAds, scopeOf } from "../access";
import {
  aggregatedCountInput,
  aggregatedCountOutput,
  breakdownInput,
  breakdownOutput,
  popularAdsInput,
  popularAdsOutput,
  seriesInput,
} from "../schemas/ads";
import { isoOrNull, isoTime, toFilter, toTimeRange } from "../schemas/query-params";
import { advertiserProcedure } from "../trpc";
import { cachedVerifiedThrough } from "../verified-through";

// Same answer for "not yours" and "no such ad": a scoped caller learns nothing either way.
const notFound = (adId: string) => new TRPCError({ code: "NOT_FOUND", message: `ad_id: ad ${adId} not found` });
const ERRORS = { 400: "bad parameter (the message names it)", 401: "missing or invalid API key", 429: "rate limited" };

export const adsRouter = {
  aggregatedCount: advertiserProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/ads/{ad_id}/aggregated_count",
        summary: "Clicks of one ad in the last M minutes or in [from, to)",
        tags: ["ads"],
        errorResponses: { ...ERRORS, 404: "no such ad in your scope" },
      },
    })
    .input(aggregatedCountInput)
    .output(aggregatedCountOutput)
    .query(async ({ ctx, input }) => {
      if (!(await canViewAd(ctx.db, ctx.viewer, input.ad_id))) throw notFound(input.ad_id);
      const [r, verified] = await Promise.all([
        getAggregatedCount(ctx, { adId: input.ad_id, range: toTimeRange(input), filter: toFilter(input) }),
        cachedVerifiedThrough(ctx.db),
      ]);
      return {
        ad_id: r.adId,
        count: r.count,
        from: isoTime(r.fromMs),
        to: isoTime(r.toMs),
        as_of: isoOrNull(r.asOfMs),
        final: r.final,
        verified_through: isoOrNull(verified),
      };
    }),

  popularAds: advertiserProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/ads/popular_ads",
        summary: "The top N ads by clicks in the last M minutes (ties by ad_id), within your scope",
        tags: ["ads"],
        errorResponses: ERRORS,
      },
    })
    .input(popularAdsInput)
    .output(popularAdsOutput)
    .query(async ({ ctx, input }) => {
      const [r, verified] = await Promise.all([
        getPopularAds(ctx, {
          n: input.count,
          range: { kind: "last", minutes: input.window },
          filter: toFilter(input),
          scope: scopeOf(ctx.viewer),
        }),
        cachedVerifiedThrough(ctx.db),
      ]);
      return {
        window: input.window,
        from: isoTime(r.fromMs),
        to: isoTime(r.toMs),
        as_of: isoOrNull(r.asOfMs),
        final: r.final,
        verified_through: isoOrNull(verified),
        ads: r.ads.map((a) => ({ ad_id: a.adId, count: a.count })),
      };
    }),

  breakdown: advertiserProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/ads/{ad_id}/breakdown",
        summary: "Clicks of one ad by country",
        tags: ["ads"],
        errorResponses: { ...ERRORS, 404: "no such ad in your scope" },
      },
    })
    .input(breakdownInput)
    .output(breakdownOutput)
    .query(async ({ ctx, input }) => {
      if (!(await canViewAd(ctx.db, ctx.viewer, input.ad_id))) throw notFound(input.ad_id);
      const r = await getCountryBreakdown(ctx, {
        adId: input.ad_id,
        dimension: input.dimension,
        range: toTimeRange(input),
        filter: toFilter(input),
      });
      return {
        ad_id: r.adId,
        dimension: r.dimension,
        from: isoTime(r.fromMs),
        to: isoTime(r.toMs),
        as_of: isoOrNull(r.asOfMs),
        final: r.final,
        rows: r.rows,
      };
    }),

  /** Per-minute (or per-hour) clicks of a few ads, zero-filled: the dashboard's chart. */
  series: advertiserProcedure.input(seriesInput).query(async ({ ctx, input }) => {
    const check = await canViewAds(ctx.db, ctx.viewer, input.ad_ids);
    if (!check.ok) throw notFound(check.denied.join(", "));
    const r = await getClickSeries(ctx, {
      adIds: input.ad_ids,
      range: toTimeRange(input),
      granularity: input.granularity,
      filter: toFilter(input),
    });
    return {
      granularity: r.granularity,
      from: isoTime(r.fromMs),
      to: isoTime(r.toMs),
      as_of: isoOrNull(r.asOfMs),
      buckets: r.buckets.map((b) => ({ ts: isoTime(b.tsMs), final: b.final })),
      series: r.series.map((s) => ({ ad_id: s.adId, counts: s.counts, total: s.total })),
    };
  }),

  /** The catalogued ads the caller may see (for pickers and chart legends). */
  list: advertiserProcedure.query(async ({ ctx }) => {
    const rows = await listAds(ctx.db, scopeOf(ctx.viewer));
    return rows.map((a) => ({ ad_id: a.id, name: a.name, advertiser_id: a.advertiserId }));
  }),
} satisfies TRPCRouterRecord;
