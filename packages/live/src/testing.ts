// Test fixtures of the live windows (not in the production entry): writes rollup rows as Redis
// live windows the way the aggregator does, so tests can prove every store gives the same answer.
import { MinuteCounts } from "@adclicks/core";
import type { RollupRow } from "@adclicks/db/testing";
import type { Redis } from "ioredis";
import { applyDeltas } from "./live-windows";
import type { RedisKeys } from "./redis-keys";

/**
 * Writes the live windows for `rows` as the aggregator does (its apply script, a minute at a
 * time) with the writer's clock at `nowMs` (default: the newest row's minute): the minutes it
 * keeps, those ahead of it included. Replaces whatever the prefix held.
 */
export async function writeLiveWindows(
  redis: Redis,
  keys: RedisKeys,
  rows: readonly RollupRow[],
  opts: { nowMs?: number; ready?: boolean } = {},
): Promise<void> {
  const nowMs = opts.nowMs ?? Math.max(...rows.map((r) => r.minuteMs));
  const stale = await redis.keys(`${keys.tag}:*`);
  if (stale.length > 0) await redis.del(...stale);
  await redis.hset(keys.meta, { ready: "1" });
  const byMinute = new Map<number, MinuteCounts>();
  for (const r of rows) {
    let counts = byMinute.get(r.minuteMs);
    if (!counts) {
      counts = new MinuteCounts();
      byMinute.set(r.minuteMs, counts);
    }
    counts.add(r.minuteMs, r.country, r.adId, r.clicks);
  }
  for (const counts of byMinute.values()) await applyDeltas(redis, keys, "fixtures", [], counts, nowMs);
  if (opts.ready === false) await redis.hset(keys.meta, "ready", "0");
}
