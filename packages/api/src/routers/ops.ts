// The ops domain: pipeline health for the ops view (ops role only).
import { getPipelineHealth, listAdvertisers } from "@adclicks/db/queries";
import type { TRPCRouterRecord } from "@trpc/server";
import { opsProcedure } from "../trpc";

export const opsRouter = {
  health: opsProcedure.query(({ ctx }) => getPipelineHealth(ctx)),
  advertisers: opsProcedure.query(({ ctx }) => listAdvertisers(ctx.db)),
} satisfies TRPCRouterRecord;
