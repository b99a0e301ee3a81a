// Shared zod fragments for inputs (tRPC and REST use the same ones): clean text, ad ids,
// attribute filters, time parameters and the range rules (minutes or from/to, from < to, caps).
import { canonicalIp, isCountryCode, parseTimestamp } from "@adclicks/core";
// The browser-safe entry (types and limits only): the dashboard validates with these fragments too.
import { MAX_RANGE_MS, MAX_TOP_N, MAX_WINDOW_MINUTES, type TimeRange } from "@adclicks/db/query-types";
import { z } from "zod";

// C0 controls, DEL and C1 controls: NUL above all, which Postgres text cannot hold.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
// With the u flag a surrogate pair is one code point: only unpaired halves are category Cs.
const LONE_SURROGATE_RE = /\p{Cs}/u;

/** False for text holding a control character or an unpaired surrogate (no character at all). */
export function isCleanText(v: string): boolean {
  return !CONTROL_RE.test(v) && !LONE_SURROGATE_RE.test(v);
}

/**
 * Every text parameter starts here: at most `max` characters, and no control characters or
 * unpaired surrogates (checked before any trim, so "\tUS" is refused, not quietly repaired).
 */
export function textParam(max: number) {
  return z
    .string()
    .max(max, { message: `at most ${max} characters`, abort: true })
    .refine(isCleanText, { message: "control characters and unpaired surrogates are not allowed", abort: true });
}

export const adIdSchema = textParam(128)
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, "expected 1-128 of [A-Za-z0-9_.:-], e.g. ad-42")
  .describe("the ad id, as sent in clicks");

export const countrySchema = textParam(16)
  .trim()
  .transform((v) => v.toUpperCase())
  .refine(isCountryCode, "expected an ISO-3166-1 alpha-2 country code, e.g. US")
  .describe("ISO-3166-1 alpha-2 country code");

/** An IPv4 or IPv6 address, as its canonical text (RFC 5952): the form raw rows are stored in. */
export const ipSchema = textParam(64)
  .trim()
  .transform((v, ctx) => {
    const ip = canonicalIp(v);
    if (ip === undefined) {
      ctx.addIssue({ code: "custom", message: "expected an IPv4 or IPv6 address" });
      return z.NEVER;
    }
    return ip;
  });
export const userIdSchema = textParam(128).min(1, "must not be empty");

/**
 * The instants a time parameter may name: from the epoch to the last ISO-8601 four-digit year.
 * JS dates and Postgres timestamptz hold all of them, with room left for minute rounding and
 * range arithmetic (JS dates end at ±8.64e15 ms, in the year 275760).
 */
export const MIN_TIMESTAMP_MS = 0;
export const MAX_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** ISO-8601 with an offset, or epoch milliseconds (as query strings always are: text). */
export const timestampSchema = textParam(64)
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
    if (ms < MIN_TIMESTAMP_MS || ms > MAX_TIMESTAMP_MS) {
      ctx.addIssue({
        code: "custom",
        message: "out of range: expected an instant from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z",
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
      ctx.addIssue({ code: "custom", path: ["to"], message: "must be at most 31 days after from" });
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
