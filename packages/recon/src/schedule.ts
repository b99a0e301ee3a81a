// When reconciliation runs by itself, pure: every hour the previous closed hour, every day the
// previous day. A range is closed once its last minute is final everywhere: `settleMs` after its
// end (the allowed lateness, idle partitions' timeout and a checkpoint, with room to spare).
import type { RecountRange } from "@adclicks/core";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface DueRange extends RecountRange {
  trigger: "hourly" | "daily";
}

export interface ScheduleOptions {
  hourly: boolean;
  daily: boolean;
  settleMs: number;
}

/** The ranges due at `nowMs`: the latest closed hour and the latest closed day (UTC). */
export function dueRanges(nowMs: number, opts: ScheduleOptions): DueRange[] {
  const closed = nowMs - opts.settleMs;
  const out: DueRange[] = [];
  if (opts.hourly) {
    const to = closed - (closed % HOUR_MS);
    out.push({ trigger: "hourly", fromMs: to - HOUR_MS, toMs: to });
  }
  if (opts.daily) {
    const to = closed - (closed % DAY_MS);
    out.push({ trigger: "daily", fromMs: to - DAY_MS, toMs: to });
  }
  return out;
}
