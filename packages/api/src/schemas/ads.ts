// Inputs and outputs of the ads procedures (the partner REST API is generated from these).
import { BREAKDOWN_DIMENSIONS, MAX_SERIES_ADS } from "@adclicks/db/queries";
import { z } from "zod";
import { adIdSchema, checkRange, filterShape, minutesSchema, rangeShape, topNSchema } from "./query-params";

const asOf = z
  .string()
  .nullable()
  .describe("data is complete (every minute final) up to this instant; null while no minute is final");

const verifiedThrough = z
  .string()
  .nullable()
  .describe(
    "reconciliation recounted every minute before this instant from the raw log and found the counts exact; null before the first clean reconciliation",
  );

export const aggregatedCountInput = z
  .strictObject({ ad_id: adIdSchema, ...rangeShape, ...filterShape })
  .superRefine(checkRange);

export const aggregatedCountOutput = z.object({
  ad_id: z.string(),
  count: z.number().int(),
  from: z.string().describe("start of the counted interval (inclusive)"),
  to: z.string().describe("end of the counted interval (exclusive)"),
  as_of: asOf,
  final: z.boolean().describe("every minute of the interval is final"),
  verified_through: verifiedThrough,
});

export const popularAdsInput = z.strictObject({
  count: topNSchema.default(100).describe("N: how many ads (1-1000, default 100)"),
  window: minutesSchema.default(1).describe("M: the last M minutes (1-1440, default 1)"),
  ...filterShape,
});

export const popularAdsOutput = z.object({
  window: z.number().int(),
  from: z.string(),
  to: z.string(),
  as_of: asOf,
  final: z.boolean(),
  verified_through: verifiedThrough,
  ads: z.array(z.object({ ad_id: z.string(), count: z.number().int() })).describe("count desc, then ad_id"),
});

export const breakdownInput = z
  .strictObject({
    ad_id: adIdSchema,
    dimension: z.enum(BREAKDOWN_DIMENSIONS).default("country"),
    ...rangeShape,
    ...filterShape,
  })
  .superRefine(checkRange);

export const breakdownOutput = z.object({
  ad_id: z.string(),
  dimension: z.enum(BREAKDOWN_DIMENSIONS),
  from: z.string(),
  to: z.string(),
  as_of: asOf,
  final: z.boolean(),
  rows: z.array(z.object({ value: z.string(), count: z.number().int() })),
});

export const seriesInput = z
  .strictObject({
    ad_ids: z
      .array(adIdSchema)
      .min(1, "give at least one ad id")
      .max(MAX_SERIES_ADS, `at most ${MAX_SERIES_ADS} ad ids`),
    granularity: z.enum(["minute", "hour"]).optional(),
    ...rangeShape,
    ...filterShape,
  })
  .superRefine(checkRange);
