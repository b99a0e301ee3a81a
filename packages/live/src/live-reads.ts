// Reads of the Redis live windows (see redis-keys.ts): a window of M minutes is the sum of its
// minute and bucket sets (at most 16), never materialized. Top N over it is exact by the
// threshold algorithm (Fagin): read the top k of every set, sum the candidates' exact scores over
// all sets, and stop once the N-th candidate beats the largest total any unread ad could have
// (the sum of each set's k-th score). Click traffic is skewed, so k = 2N nearly always suffices;
// flat traffic grows k, and past a budget (or the tops' cap) the sets are summed (exact, slower).
// `createLiveWindows` serves these reads to the query layer of @adclicks/db.
import { type AdCount, topN } from "@adclicks/core";
import type { LiveWindow, LiveWindows } from "@adclicks/db/queries";
import type { Redis } from "ioredis";
import { luaScript, runScript } from "./lua-scripts";
import { ALL_COUNTRIES, MINUTES_KEPT, type RedisKeys } from "./redis-keys";

const TOP_N = luaScript("adclicksLiveTopN", 1, ["window-sets.lua", "top-of-set.lua", "top-n.lua"]);
const COUNTS = luaScript("adclicksLiveCounts", 1, ["window-sets.lua", "counts.lua"]);

/** Score lookups (candidates × sets) one threshold round may cost before summing the sets is cheaper. */
export const LOOKUP_BUDGET = 2_000_000;

/** Ads per counts call: each call is atomic; a long list takes several. */
const COUNTS_CHUNK = 1000;

/** Whether the live windows hold a "last M minutes" window. */
export function isLiveWindow(minutes: number): boolean {
  return Number.isInteger(minutes) && minutes >= 1 && minutes <= MINUTES_KEPT;
}

export interface LiveTopN {
  ads: AdCount[];
  /** How it was computed: one minute set, the threshold algorithm (read `depth` deep), or a union. */
  how: "one" | "threshold" | "union";
  depth: number;
}

/** The exact top N of a live window in one call (null when the windows are not ready). */
export async function readLiveTopN(
  redis: Redis,
  keys: RedisKeys,
  w: LiveWindow,
  n: number,
  budget = LOOKUP_BUDGET,
): Promise<LiveTopN | null> {
  const reply = await runScript<(string | number)[] | null>(redis, TOP_N, [...windowArgs(keys, w), n, budget]);
  if (reply === null) return null;
  const [how, depth, ...flat] = reply;
  const pairs: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([String(flat[i]), Number(flat[i + 1])]);
  return { ads: topN(pairs, n), how: how as LiveTopN["how"], depth: Number(depth) };
}

/**
 * Clicks of each given ad over a live window (a scoped caller's catalogue; ads without clicks
 * are left out); null when the windows are not ready. Each chunk of ads is read atomically.
 */
export async function readLiveCounts(
  redis: Redis,
  keys: RedisKeys,
  w: LiveWindow,
  adIds: readonly string[],
): Promise<Map<string, number> | null> {
  const totals = new Map<string, number>();
  for (let i = 0; i === 0 || i < adIds.length; i += COUNTS_CHUNK) {
    const ids = adIds.slice(i, i + COUNTS_CHUNK);
    const reply = await runScript<number[] | null>(redis, COUNTS, [...windowArgs(keys, w), ...ids]);
    if (reply === null) return null;
    ids.forEach((id, j) => {
      const n = Number(reply[j]);
      if (n > 0) totals.set(id, n);
    });
  }
  return totals;
}

/** What window-sets.lua takes first: meta, the tag, the window's end and length, the country. */
function windowArgs(keys: RedisKeys, w: LiveWindow): (string | number)[] {
  return [keys.meta, keys.tag, w.endMs, w.minutes, w.country ?? ALL_COUNTRIES];
}

/** The Redis meta: the newest minute with data and whether the live windows are complete. */
export async function readLiveState(redis: Redis, keys: RedisKeys): Promise<{ headMs: number | null; ready: boolean }> {
  const [head, ready] = await redis.hmget(keys.meta, "head", "ready");
  const headMs = head === null || head === undefined ? null : Number(head);
  return { headMs: headMs !== null && Number.isFinite(headMs) ? headMs : null, ready: ready === "1" };
}

/** The live windows of one Redis prefix, as the query layer (@adclicks/db/queries) reads them. */
export function createLiveWindows(redis: Redis, keys: RedisKeys): LiveWindows {
  return {
    topN: async (w, n) => (isLiveWindow(w.minutes) ? ((await readLiveTopN(redis, keys, w, n))?.ads ?? null) : null),
    counts: (w, adIds) => (isLiveWindow(w.minutes) ? readLiveCounts(redis, keys, w, adIds) : Promise.resolve(null)),
    state: () => readLiveState(redis, keys),
  };
}
