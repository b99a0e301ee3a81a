// Shared zod fragments for query inputs (tRPC and REST use the same ones): ad ids, attribute
// filters, time parameters and the range rules (minutes or from/to, from < to, caps).
import { isCountryCode, isIpAddress, parseTimestamp } from "@adclicks/core";
// The browser-safe entry (types and limits only): the dashboard validates with these fragments too.
import { MAX_RANGE_MS, MAX_TOP_N, MAX_WINDOW_MINUTES, type TimeRange } from "@adclicks/db/query-types";
import { z } from "zod";

export const adIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, "expected 1-128 of [A-Za-z0-9_.:-], e.g. ad-42")
  .describe("the ad id, as sent in clicks");

export const countrySchema = z
  .string()
  .trim()
  .transform((v) => v.toUpperCase())
  .refine(isCountryCode, "expected an ISO-3166-1 alpha-2 country code, e.g. US")
  .describe("ISO-3166-1 alpha-2 country code");

export const ipSchema = z.string().trim().refine(isIpAddress, "expected an IPv4 or IPv6 address");
export const userIdSchema = z.string().min(1, "must not be empty").max(128, "at most 128 characters");

/** ISO-8601 with an offset, or epoch milliseconds (as query strings always are: text). */
export const timestampSchema = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const ms = parseTimestamp(v);
    if (ms === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "expected ISO-8601 with offset (2026-01-05T10:00:00Z) or epoch milliseconds",
      });
      return z.NEVER;
    }
    return ms;
  })
  .describe("ISO-8601 date-time with offset, or epoch milliseconds");

export const minutesSchema = z
  .number()
  .int("must be a whole number of minutes")
  .min(1, "must be at least 1")
  .max(MAX_WINDOW_MINUTES, `must be at most ${MAX_WINDOW_MINUTES} (one day)`);

export const topNSchema = z
  .number()
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(MAX_TOP_N, `must be at most ${MAX_TOP_N}`);

export const filterShape = {
  country: countrySchema.optional(),
  ip: ipSchema.optional().describe("only clicks from this IP (answered from the raw archive)"),
  user_id: userIdSchema.optional().describe("only clicks by this user (answered from the raw archive)"),
};

export const rangeShape = {
  minutes: minutesSchema.optional().describe("the last M minutes (1-1440), ending with the newest minute with clicks"),
  from: timestampSchema.optional().describe("range start, inclusive (rounded down to the minute)"),
  to: timestampSchema.optional().describe("range end, exclusive (rounded down to the minute)"),
};

interface RangeFields {
  minutes?: number | undefined;
  from?: number | undefined;
  to?: number | undefined;
}

/** Either `minutes`, or both `from` and `to` with from < to and at most 31 days apart. */
export function checkRange(v: RangeFields, ctx: z.RefinementCtx): void {
  const hasWindow = v.minutes !== undefined;
  const hasFrom = v.from !== undefined;
  const hasTo = v.to !== undefined;
  if (hasWindow && (hasFrom || hasTo)) {
    ctx.addIssue({ code: "custom", path: ["minutes"], message: "give either minutes or from/to, not both" });
  } else if (!hasWindow && !hasFrom && !hasTo) {
    ctx.addIssue({ code: "custom", path: ["minutes"], message: "required: minutes=M, or from and to" });
  } else if (hasFrom !== hasTo) {
    ctx.addIssue({
      code: "custom",
      path: [hasFrom ? "to" : "from"],
      message: `required with ${hasFrom ? "from" : "to"}`,
    });
  } else if (v.from !== undefined && v.to !== undefined) {
    if (v.from >= v.to) ctx.addIssue({ code: "custom", path: ["from"], message: "must be before to" });
    else if (v.to - v.from > MAX_RANGE_MS) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "the range may span at most 31 days" });
    }
  }
}

/** The validated range fields as the query layer's TimeRange (checkRange has run). */
export function toTimeRange(v: RangeFields): TimeRange {
  if (v.minutes !== undefined) return { kind: "last", minutes: v.minutes };
  return { kind: "between", fromMs: v.from ?? 0, toMs: v.to ?? 0 };
}

export function toFilter(v: { country?: string | undefined; ip?: string | undefined; user_id?: string | undefined }) {
  return { country: v.country, ip: v.ip, userId: v.user_id };
}

export const isoTime = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
