// Test fixtures of the live windows (not in the production entry): writes rollup rows as Redis
// live windows the way the aggregator does, so tests can prove every store gives the same answer.
import { MinuteCounts } from "@adclicks/core";
import type { RollupRow } from "@adclicks/db/testing";
import type { Redis } from "ioredis";
import { applyDeltas } from "./live-windows";
import { MINUTE_MS, MINUTES_KEPT, type RedisKeys } from "./redis-keys";

/**
 * Writes the live windows for `rows` as the aggregator does (its apply script, a minute at a
 * time), for the last MINUTES_KEPT minutes up to `headMs`. Replaces whatever the prefix held.
 */
export async function writeLiveWindows(
  redis: Redis,
  keys: RedisKeys,
  rows: readonly RollupRow[],
  opts: { headMs?: number; ready?: boolean } = {},
): Promise<number> {
  const headMs = opts.headMs ?? Math.max(...rows.map((r) => r.minuteMs));
  const stale = await redis.keys(`${keys.tag}:*`);
  if (stale.length > 0) await redis.del(...stale);
  await redis.hset(keys.meta, { head: String(headMs), ready: "1" });
  const byMinute = new Map<number, MinuteCounts>();
  for (const r of rows) {
    if (r.minuteMs > headMs || r.minuteMs <= headMs - MINUTES_KEPT * MINUTE_MS) continue;
    let counts = byMinute.get(r.minuteMs);
    if (!counts) {
      counts = new MinuteCounts();
      byMinute.set(r.minuteMs, counts);
    }
    counts.add(r.minuteMs, r.country, r.adId, r.clicks);
  }
  for (const counts of byMinute.values()) await applyDeltas(redis, keys, "fixtures", [], counts);
  if (opts.ready === false) await redis.hset(keys.meta, "ready", "0");
  return headMs;
}
