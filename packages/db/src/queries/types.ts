// Shared types of the query layer: what a query needs (stores, clock), the time ranges and
// filters it accepts, and which advertisers' ads the caller may see.
import type { AdCount } from "@adclicks/core";
import type { Db } from "../client";

export interface QueryDeps {
  db: Db;
  /** The Redis live windows (@adclicks/live), or null where Postgres answers everything. */
  live: LiveWindows | null;
  /** The wall clock, epoch ms: "the last M minutes" end with its minute (tests pin it). */
  now: () => number;
}

/** A live window: the `minutes` minutes ending with the minute `endMs`, one country (or all). */
export interface LiveWindow {
  endMs: number;
  minutes: number;
  country: string | undefined;
}

/**
 * The Redis live windows as the query layer uses them (implemented by @adclicks/live, so this
 * package needs no Redis client). Every read answers null when the live windows cannot answer it
 * (not built yet, being rebuilt, or a window longer than they keep): Postgres answers instead.
 */
export interface LiveWindows {
  /** The exact top N (count desc, ad_id asc) over the window. */
  topN(w: LiveWindow, n: number): Promise<AdCount[] | null>;
  /** Clicks of each given ad over the window (ads without any are left out). */
  counts(w: LiveWindow, adIds: readonly string[]): Promise<Map<string, number> | null>;
  /** The newest minute with data and whether the windows are built (for the ops view). */
  state(): Promise<{ headMs: number | null; ready: boolean }>;
}

// Window arithmetic lives in core; re-exported so query code has one import.
export { MINUTE_MS, minuteOf as floorMinute } from "@adclicks/core";
export const HOUR_MS = 3_600_000;

/** The largest "last M minutes" (one day) and the longest explicit range (31 days). */
export const MAX_WINDOW_MINUTES = 1440;
export const MAX_RANGE_MS = 31 * 24 * HOUR_MS;
export const MAX_TOP_N = 1000;

/**
 * "Last M minutes" = the M minutes ending with the current wall-clock minute (the open minute
 * included), in every store: never later, whatever event times the data holds. `between` =
 * [fromMs, toMs), minute-aligned.
 */
export type TimeRange = { kind: "last"; minutes: number } | { kind: "between"; fromMs: number; toMs: number };

/** Attribute filters. `country` is a rollup dimension; `ip` and `userId` need the raw archive. */
export interface ClickFilter {
  country?: string | undefined;
  ip?: string | undefined;
  userId?: string | undefined;
}

/** Which ads a caller may see: every ad (ops, all-scope keys) or those of some advertisers. */
export type AdScope = { kind: "all" } | { kind: "advertisers"; advertiserIds: readonly string[] };

/** The store that answered: Redis live windows, Postgres minute rollups, or the raw archive. */
export type QuerySource = "redis" | "rollups" | "raw";

/** A resolved, minute-aligned half-open interval [fromMs, toMs). */
export interface ResolvedRange {
  fromMs: number;
  toMs: number;
}

/** Typed failures of the query layer; the API maps them to 400/404. */
export class QueryInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "QueryInputError";
  }
}

export function hasRawFilter(filter: ClickFilter): boolean {
  return filter.ip !== undefined || filter.userId !== undefined;
}
