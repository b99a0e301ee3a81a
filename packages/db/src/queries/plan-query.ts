// Routing: which store answers a query, and the exact minute-aligned interval it covers. "The
// last M minutes" end with the clock's minute (QueryDeps.now) in every store. Live windows (last
// M minutes, no ip/user filter, the live windows ready and holding M) come from Redis through the
// LiveWindows port; other ranges from the Postgres rollups; ip/user_id filters from the raw
// archive. The rollup status (asOf, and the head the ops view shows) is read from Postgres at
// most about once a second per process.
import { sql } from "drizzle-orm";
import {
  type ClickFilter,
  floorMinute,
  hasRawFilter,
  type LiveWindow,
  type LiveWindows,
  MAX_RANGE_MS,
  MAX_WINDOW_MINUTES,
  MINUTE_MS,
  type QueryDeps,
  QueryInputError,
  type QuerySource,
  type ResolvedRange,
  type TimeRange,
} from "./types";

export interface QueryPlan {
  source: QuerySource;
  range: ResolvedRange;
  /** End of the newest final minute: data before it is complete. Null while no minute is final. */
  asOfMs: number | null;
}

/** A plan, with what the live windows answered when they answer it. */
export type PlanOf<T> = (QueryPlan & { source: "redis"; live: T }) | (QueryPlan & { source: "rollups" | "raw" });

/** The read a query needs from the live windows, if they can answer it. */
export type LiveRead<T> = (live: LiveWindows, w: LiveWindow) => Promise<T | null>;

/** The Postgres head (newest minute with any click) and asOf, in one round trip. */
export async function getRollupStatus(db: QueryDeps["db"]): Promise<RollupStatus> {
  // Both are index-only lookups (click_rollups_minute_idx, minute_status's primary key).
  const res = await db.execute<{ head: Date | null; last_final: Date | null }>(sql`
    select (select max(minute) from click_rollups) as head,
           (select max(minute) from minute_status where final_at is not null) as last_final`);
  const row = res.rows[0];
  const head = row?.head ? new Date(row.head).getTime() : null;
  const lastFinal = row?.last_final ? new Date(row.last_final).getTime() : null;
  return { headMs: head, asOfMs: lastFinal === null ? null : lastFinal + MINUTE_MS };
}

export interface RollupStatus {
  headMs: number | null;
  asOfMs: number | null;
}

/**
 * How old a rollup status may be where only asOf matters. asOf only ever grows, so an older one
 * is still a true statement ("complete up to"), merely a slightly conservative one.
 */
export const STATUS_MAX_AGE_MS = 1_000;

// Per database (pool) in this process: the newest status read, and the read in flight.
interface StatusSlot {
  value?: RollupStatus;
  /** When the read behind `value` started: its answer is at least that new. */
  readAt: number;
  pending?: Promise<RollupStatus>;
  pendingSince: number;
}
const statusSlots = new WeakMap<QueryDeps["db"], StatusSlot>();

/**
 * The rollup status as read by a query that started at `since` (performance.now() ms) or later:
 * the last answer if it is that new, else the read in flight if it started that late (concurrent
 * requests share one query), else a new read.
 */
export function getRollupStatusSince(db: QueryDeps["db"], since: number): Promise<RollupStatus> {
  let slot = statusSlots.get(db);
  if (!slot) {
    slot = { readAt: Number.NEGATIVE_INFINITY, pendingSince: Number.NEGATIVE_INFINITY };
    statusSlots.set(db, slot);
  }
  if (slot.value && slot.readAt >= since) return Promise.resolve(slot.value);
  if (slot.pending && slot.pendingSince >= since) return slot.pending;
  const s = slot;
  const startedAt = performance.now();
  const pending = getRollupStatus(db).then(
    (value) => {
      if (startedAt >= s.readAt) {
        s.value = value;
        s.readAt = startedAt;
      }
      if (s.pending === pending) s.pending = undefined;
      return value;
    },
    (err: unknown) => {
      if (s.pending === pending) s.pending = undefined;
      throw err;
    },
  );
  s.pending = pending;
  s.pendingSince = startedAt;
  return pending;
}

/** The M whole minutes ending with the minute `endMs` (the clock's), as a half-open interval. */
export function lastMinutesRange(endMs: number, minutes: number): ResolvedRange {
  return { fromMs: endMs - (minutes - 1) * MINUTE_MS, toMs: endMs + MINUTE_MS };
}

/** [from, to) rounded down to whole minutes (the rollup grain), so every store counts the same minutes. */
export function alignedRange(fromMs: number, toMs: number): ResolvedRange {
  if (!(fromMs < toMs)) throw new QueryInputError("from", "must be before to");
  if (toMs - fromMs > MAX_RANGE_MS) throw new QueryInputError("to", "the range may span at most 31 days");
  return { fromMs: floorMinute(fromMs), toMs: floorMinute(toMs) };
}

/** The interval a range stands for at a time: what planQuery (and so every query) counts. */
export function resolveRange(range: TimeRange, nowMs: number): ResolvedRange {
  if (range.kind === "between") return alignedRange(range.fromMs, range.toMs);
  if (!(Number.isInteger(range.minutes) && range.minutes >= 1)) {
    throw new QueryInputError("minutes", "must be a whole number of minutes ≥ 1");
  }
  if (range.minutes > MAX_WINDOW_MINUTES) {
    throw new QueryInputError("minutes", `must be at most ${MAX_WINDOW_MINUTES}`);
  }
  return lastMinutesRange(floorMinute(nowMs), range.minutes);
}

/**
 * asOf as of the clock: never in the future. Minutes marked final ahead of the clock (by a
 * version before the watermark followed it, or another writer's clock) are not complete yet.
 */
export function asOfAt(asOfMs: number | null, nowMs: number): number | null {
  return asOfMs === null ? null : Math.min(asOfMs, floorMinute(nowMs));
}

/**
 * Decides the store and resolves the interval: "the last M minutes" end with the clock's minute
 * whichever store answers. `live` reads what the query needs from the live windows; without it
 * (or when they cannot answer) Postgres answers.
 */
export async function planQuery<T = never>(
  deps: QueryDeps,
  range: TimeRange,
  filter: ClickFilter,
  opts: { live?: LiveRead<T> } = {},
): Promise<PlanOf<T>> {
  const nowMs = deps.now();
  const endMs = floorMinute(nowMs);
  const resolved = resolveRange(range, nowMs);
  const source = hasRawFilter(filter) ? "raw" : "rollups";
  const read =
    range.kind === "last" && opts.live && deps.live && !hasRawFilter(filter)
      ? opts.live(deps.live, { endMs, minutes: range.minutes, country: filter.country })
      : null;
  // asOf may be recent rather than current: it only grows, so an older one is still true.
  const [answer, status] = await Promise.all([
    read,
    getRollupStatusSince(deps.db, performance.now() - STATUS_MAX_AGE_MS),
  ]);
  const asOfMs = asOfAt(status.asOfMs, nowMs);
  if (answer !== null) return { source: "redis", range: resolved, asOfMs, live: answer };
  return { source, range: resolved, asOfMs };
}

/** True when every minute of the range is final (its counts will only change by late corrections). */
export function isFinal(range: ResolvedRange, asOfMs: number | null): boolean {
  return asOfMs !== null && range.toMs <= asOfMs;
}
