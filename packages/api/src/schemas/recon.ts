// Inputs of the reconciliation procedures (ops): a range of whole minutes (from < to, at most
// 31 days) with optional ad ids, a run id, a list limit. The CLIs take the same range.
import { MINUTE_MS } from "@adclicks/core";
import { z } from "zod";
import { adIdSchema, timestampSchema } from "./query-params";

const MAX_RANGE_MS = 31 * 24 * 3_600_000;

export const reconRangeInput = z
  .object({
    from: timestampSchema.describe("range start, inclusive: a whole minute"),
    to: timestampSchema.describe("range end, exclusive: a whole minute"),
    ad_ids: z.array(adIdSchema).min(1, "give at least one ad id, or leave ad_ids out").max(1_000).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.from % MINUTE_MS !== 0) ctx.addIssue({ code: "custom", path: ["from"], message: "must be a whole minute" });
    if (v.to % MINUTE_MS !== 0) ctx.addIssue({ code: "custom", path: ["to"], message: "must be a whole minute" });
    if (v.from >= v.to) ctx.addIssue({ code: "custom", path: ["from"], message: "must be before to" });
    else if (v.to - v.from > MAX_RANGE_MS)
      ctx.addIssue({ code: "custom", path: ["to"], message: "must be at most 31 days after from" });
  });

export const runIdInput = z.object({
  run_id: z.number().int("must be a whole number").min(1, "must be a run id").max(Number.MAX_SAFE_INTEGER),
});

export const listRunsInput = z
  .object({ limit: z.number().int("must be a whole number").min(1, "must be at least 1").max(200).default(50) })
  .default({ limit: 50 });
