// The advertiser dashboards' procedures: the overview and one ad's page, each one round trip
// that returns every panel's numbers for the same interval (see dashboard-data.ts).
import { TRPCError, type TRPCRouterRecord } from "@trpc/server";
import { canViewAd } from "../access";
import { getAdDetail, getOverview } from "../dashboard-data";
import { adDetailInput, overviewInput } from "../schemas/dashboard-params";
import { advertiserProcedure } from "../trpc";

export const dashboardRouter = {
  /** Totals vs the previous period, the chart of all the viewer's ads and the top N with sparklines. */
  overview: advertiserProcedure
    .input(overviewInput)
    .query(({ ctx, input }) => getOverview(ctx, ctx.viewer, input, Date.now())),

  /** One ad: series with final / corrected buckets, country breakdown, totals vs the previous period. */
  ad: advertiserProcedure.input(adDetailInput).query(async ({ ctx, input }) => {
    // Same answer for "not yours" and "no such ad", as in the ads router.
    if (!(await canViewAd(ctx.db, ctx.viewer, input.ad_id))) {
      throw new TRPCError({ code: "NOT_FOUND", message: `ad_id: ad ${input.ad_id} not found` });
    }
    return getAdDetail(ctx, input, Date.now());
  }),
} satisfies TRPCRouterRecord;
