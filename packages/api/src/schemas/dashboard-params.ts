// The dashboards' parameters, in one vocabulary for the page URLs (shareable, back/forward), the
// tRPC inputs and the CSV export URLs, validated with the API's own zod fragments. Browser-safe:
// the pages validate as the user types and show each field's message inline.
import { isTimeZone, UTC } from "@adclicks/core";
import { z } from "zod";
import {
  adIdSchema,
  checkRange,
  filterShape,
  minutesSchema,
  rangeShape,
  timestampSchema,
  topNSchema,
} from "./query-params";

/** The windows the dashboards offer (any M from 1 to 1440 is accepted from a URL). */
export const WINDOW_PRESETS = [1, 5, 15, 60, 180, 1440] as const;
export const TOP_N_CHOICES = [5, 10, 20, 50] as const;
/** Sparklines need one series per ad, and a series query takes at most 50 ads. */
export const DASHBOARD_MAX_N = 50;
export const DEFAULT_WINDOW = 60;
export const DEFAULT_TOP_N = 10;
export const SORT_KEYS = ["clicks", "ad", "change"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export const timeZoneSchema = z
  .string()
  .trim()
  .refine(isTimeZone, "expected an IANA time zone, e.g. UTC or Europe/Paris")
  .describe("the time zone that times are shown in and that 'today' starts in");

export const dashboardTopNSchema = topNSchema.max(DASHBOARD_MAX_N, `must be at most ${DASHBOARD_MAX_N}`);

/** Range of a dashboard query: last M minutes, an explicit [from, to), or today in `tz`. */
export const dashboardRangeShape = {
  ...rangeShape,
  today: z.literal(true).optional().describe("from local midnight in tz up to now"),
  tz: timeZoneSchema.default(UTC),
};

interface DashboardRangeFields {
  minutes?: number | undefined;
  from?: number | undefined;
  to?: number | undefined;
  today?: true | undefined;
}

export function checkDashboardRange(v: DashboardRangeFields, ctx: z.RefinementCtx): void {
  if (v.today === undefined) checkRange(v, ctx);
  else if (v.minutes !== undefined || v.from !== undefined || v.to !== undefined) {
    ctx.addIssue({ code: "custom", path: ["today"], message: "give today alone, without minutes or from/to" });
  }
}

export const overviewInput = z
  .strictObject({ ...dashboardRangeShape, ...filterShape, count: dashboardTopNSchema.default(DEFAULT_TOP_N) })
  .superRefine(checkDashboardRange);

export const adDetailInput = z
  .strictObject({ ad_id: adIdSchema, ...dashboardRangeShape, ...filterShape })
  .superRefine(checkDashboardRange);

export type OverviewInput = z.input<typeof overviewInput>;
export type AdDetailInput = z.input<typeof adDetailInput>;

/** What a dashboard URL says, with defaults filled in (only valid values). */
export interface DashboardParams {
  /** Minutes, "today", or "custom" (then `from` and `to`, epoch ms). */
  range: number | "today" | "custom";
  from?: number;
  to?: number;
  tz: string;
  country?: string;
  ip?: string;
  user_id?: string;
  n: number;
  sort: SortKey;
  dir: "asc" | "desc";
}

export const PARAM_NAMES = ["range", "from", "to", "tz", "country", "ip", "user_id", "n", "sort", "dir"] as const;
export type ParamName = (typeof PARAM_NAMES)[number];

export interface ParsedParams {
  params: DashboardParams;
  /** One message per invalid parameter (its value is then left out of `params`). */
  errors: Partial<Record<ParamName | "ad", string>>;
  /** The raw text of each parameter given, so a form can show what was typed. */
  raw: Partial<Record<ParamName, string>>;
}

type SearchLike = { get(name: string): string | null };

function issueMessage(error: z.ZodError): string {
  return error.issues[0]?.message ?? "invalid";
}

/** Reads and validates dashboard parameters from a URL's search params. */
export function parseDashboardParams(sp: SearchLike): ParsedParams {
  const errors: ParsedParams["errors"] = {};
  const raw: ParsedParams["raw"] = {};
  for (const name of PARAM_NAMES) {
    const v = sp.get(name);
    if (v !== null && v !== "") raw[name] = v;
  }
  const params: DashboardParams = { range: DEFAULT_WINDOW, tz: UTC, n: DEFAULT_TOP_N, sort: "clicks", dir: "desc" };
  /** The parameter's value if valid; otherwise its message goes to `errors`. */
  const valid = <T>(name: ParamName, schema: z.ZodType<T>, text: unknown): T | undefined => {
    const r = schema.safeParse(text);
    if (r.success) return r.data;
    errors[name] = issueMessage(r.error);
    return undefined;
  };
  const int = (text: string) => (/^\d+$/.test(text) ? Number(text) : Number.NaN);

  if (raw.range === "today" || raw.range === "custom") params.range = raw.range;
  else if (raw.range !== undefined) {
    if (Number.isNaN(int(raw.range))) errors.range = "expected minutes (1-1440), today or custom";
    else params.range = valid("range", minutesSchema, int(raw.range)) ?? params.range;
  }
  if (params.range === "custom") {
    if (raw.from === undefined) errors.from = "required with range=custom";
    else params.from = valid("from", timestampSchema, raw.from);
    if (raw.to === undefined) errors.to = "required with range=custom";
    else params.to = valid("to", timestampSchema, raw.to);
    if (params.from !== undefined && params.to !== undefined) {
      const r = z
        .object({ from: z.number(), to: z.number() })
        .superRefine(checkRange)
        .safeParse({ from: params.from, to: params.to });
      if (!r.success) {
        const issue = r.error.issues[0];
        errors[issue?.path[0] === "to" ? "to" : "from"] = issue?.message ?? "invalid range";
      }
    }
    if (errors.from || errors.to) {
      delete params.from;
      delete params.to;
    }
  }
  if (raw.tz !== undefined) params.tz = valid("tz", timeZoneSchema, raw.tz) ?? params.tz;
  const country = raw.country === undefined ? undefined : valid("country", filterShape.country, raw.country);
  if (country !== undefined) params.country = country;
  const ip = raw.ip === undefined ? undefined : valid("ip", filterShape.ip, raw.ip);
  if (ip !== undefined) params.ip = ip;
  const userId = raw.user_id === undefined ? undefined : valid("user_id", filterShape.user_id, raw.user_id);
  if (userId !== undefined) params.user_id = userId;
  if (raw.n !== undefined) params.n = valid("n", dashboardTopNSchema, int(raw.n)) ?? params.n;
  if (raw.sort !== undefined) params.sort = valid("sort", z.enum(SORT_KEYS), raw.sort) ?? params.sort;
  if (raw.dir !== undefined) params.dir = valid("dir", z.enum(["asc", "desc"]), raw.dir) ?? params.dir;
  return { params, errors, raw };
}

/** True when the range parameters are complete and valid (a custom range needs both ends). */
export function rangeIsUsable(p: ParsedParams): boolean {
  if (p.errors.range || p.errors.from || p.errors.to || p.errors.tz) return false;
  return p.params.range !== "custom" || (p.params.from !== undefined && p.params.to !== undefined);
}

/** The range is usable and every filter valid: the dashboards may query. */
export function paramsUsable(p: ParsedParams): boolean {
  return rangeIsUsable(p) && !p.errors.country && !p.errors.ip && !p.errors.user_id;
}

/** The overview procedure's input for valid params (the page's prefetch and its client use the same). */
export const overviewQueryInput = (p: DashboardParams) => ({ ...rangeAndFilterInput(p), count: p.n });

/** The range and filter fields of a dashboard procedure's input, from valid params. */
export function rangeAndFilterInput(p: DashboardParams) {
  const range =
    p.range === "today"
      ? { today: true as const }
      : p.range === "custom"
        ? { from: String(p.from), to: String(p.to) }
        : { minutes: p.range };
  return {
    ...range,
    tz: p.tz,
    ...(p.country !== undefined && { country: p.country }),
    ...(p.ip !== undefined && { ip: p.ip }),
    ...(p.user_id !== undefined && { user_id: p.user_id }),
  };
}

/** The search params for `p`, defaults left out (so URLs stay short and stable). */
export function toSearchParams(p: DashboardParams): URLSearchParams {
  const sp = new URLSearchParams();
  if (p.range !== DEFAULT_WINDOW) sp.set("range", String(p.range));
  if (p.range === "custom" && p.from !== undefined && p.to !== undefined) {
    sp.set("from", new Date(p.from).toISOString());
    sp.set("to", new Date(p.to).toISOString());
  }
  if (p.tz !== UTC) sp.set("tz", p.tz);
  if (p.country) sp.set("country", p.country);
  if (p.ip) sp.set("ip", p.ip);
  if (p.user_id) sp.set("user_id", p.user_id);
  if (p.n !== DEFAULT_TOP_N) sp.set("n", String(p.n));
  if (p.sort !== "clicks") sp.set("sort", p.sort);
  if (p.dir !== "desc") sp.set("dir", p.dir);
  return sp;
}

/** The top table's order (ties: more clicks first, then ad id), the same on screen and in the CSV. */
export function sortTopAds<T extends { ad_id: string; count: number; previous: number }>(
  ads: readonly T[],
  sort: SortKey,
  dir: "asc" | "desc",
): T[] {
  const byId = (a: T, b: T) => (a.ad_id < b.ad_id ? -1 : a.ad_id > b.ad_id ? 1 : 0);
  const cmp = (a: T, b: T) =>
    sort === "ad" ? byId(a, b) : sort === "change" ? changeRatio(a) - changeRatio(b) : a.count - b.count;
  return [...ads].sort((a, b) => (dir === "asc" ? cmp(a, b) : -cmp(a, b)) || b.count - a.count || byId(a, b));
}

/** Now against the previous period, as a ratio (an ad new in this period sorts above every change). */
export function changeRatio(a: { count: number; previous: number }): number {
  return a.previous === 0 ? (a.count === 0 ? 1 : Number.POSITIVE_INFINITY) : a.count / a.previous;
}

/** Percent change, one decimal; null when the previous period had no clicks (no ratio to state). */
export function changePct(now: number, before: number): number | null {
  return before === 0 ? null : Math.round(((now - before) / before) * 1000) / 10;
}
