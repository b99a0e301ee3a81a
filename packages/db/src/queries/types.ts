// Shared types of the query layer: what a query needs (stores, clock), the time ranges and
// filters it accepts, and which advertisers' ads the caller may see.
import type { Redis } from "ioredis";
import type { Db } from "../client";
import type { RedisKeys } from "../redis-keys";

export interface QueryDeps {
  db: Db;
  redis: Redis;
  redisKeys: RedisKeys;
  /** Wall clock in epoch ms (tests pin it). Only used when no minute has any click yet. */
  now?: () => number;
}

// Window arithmetic lives in core; re-exported so query code has one import.
export { MINUTE_MS, minuteOf as floorMinute } from "@adclicks/core";
export const HOUR_MS = 3_600_000;

/** The largest "last M minutes" (one day) and the longest explicit range (31 days). */
export const MAX_WINDOW_MINUTES = 1440;
export const MAX_RANGE_MS = 31 * 24 * HOUR_MS;
export const MAX_TOP_N = 1000;

/**
 * "Last M minutes" = the minutes (head - M, head], head being the newest minute with any click
 * (the current, still open minute included). `between` = [fromMs, toMs), minute-aligned.
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
