// Maintains the live sliding windows in Redis (see redis-keys.ts for the contract): applies a
// checkpoint's deltas exactly once per (consumer, partition, seq) in one Lua script (apply.lua),
// and derives a minute's or bucket's sets from sorted sets of clicks (derive.lua).
import { type MinuteCounts, minuteOf } from "@adclicks/core";
import type { Redis } from "ioredis";
import { luaScript, runScript } from "./lua-scripts";
import { ALL_COUNTRIES, LIVE_TTL_MS, type RedisKeys } from "./redis-keys";

export type ApplyResult =
  | { kind: "applied" }
  | { kind: "not_ready" }
  /** Some partition's last applied seq was not fromSeq - 1 (applied already, or a gap): nothing done. */
  | { kind: "mismatch"; lastApplied: Map<number, number> };

/** A run of consecutive checkpoints of one partition, applied together. */
export interface SeqRange {
  partition: number;
  fromSeq: number;
  toSeq: number;
}

const APPLY = luaScript("adclicksApply", 2, ["apply.lua"]);
const DERIVE = luaScript("adclicksDerive", undefined, ["derive.lua"]);

export function appliedField(consumer: string, partition: number): string {
  return `${consumer}:${partition}`;
}

/**
 * Applies the merged cells of consecutive checkpoints (`ranges`, each partition once) exactly
 * once, atomically: only when every partition's last applied seq is its range's fromSeq - 1.
 * `nowMs` is the writer's clock: the kept range follows it (see redis-keys.ts), never the data.
 */
export async function applyDeltas(
  redis: Redis,
  keys: RedisKeys,
  consumer: string,
  ranges: readonly SeqRange[],
  counts: MinuteCounts,
  nowMs: number = Date.now(),
): Promise<ApplyResult> {
  const args: (string | number)[] = [keys.tag, ranges.length, minuteOf(nowMs)];
  for (const r of ranges) args.push(appliedField(consumer, r.partition), r.fromSeq, r.toSeq);
  for (const v of counts.grouped()) args.push(v);
  const reply = await runScript<number[]>(redis, APPLY, [keys.meta, keys.applied, args]);
  if (reply[0] === 1) return { kind: "applied" };
  if (reply[0] === -1) return { kind: "not_ready" };
  return { kind: "mismatch", lastApplied: new Map(ranges.map((r, i) => [r.partition, Number(reply[i + 1])])) };
}

export async function liveWindowsReady(redis: Redis, keys: RedisKeys): Promise<boolean> {
  return (await redis.hget(keys.meta, "ready")) === "1";
}

/**
 * Derives a minute's (or bucket's) live sets from sorted sets of clicks, given per country: each
 * country's set is the sum of its sources, the all-countries one the sum of all of them; records
 * the countries. For the rebuild, and for loaders of bulk data (the query benchmark).
 */
export async function deriveLiveSets(
  redis: Redis,
  keys: RedisKeys,
  kind: "minute" | "bucket",
  t: number,
  sources: ReadonlyMap<string, readonly string[]>,
): Promise<void> {
  const tmp = `${keys.tag}:tmp:derive`;
  const [top, hash] = kind === "minute" ? [keys.minute, keys.minuteHash] : [keys.bucket, keys.bucketHash];
  const derive = (c: string, from: readonly string[]) =>
    runScript<number>(redis, DERIVE, [3 + from.length, top(t, c), hash(t, c), tmp, ...from]);
  // Sent together (one round trip): each script runs alone, so they may share the scratch key.
  await Promise.all([...sources].map(([c, from]) => derive(c, from)));
  await derive(ALL_COUNTRIES, [...sources.values()].flat());
  const countries = kind === "minute" ? keys.minuteCountries(t) : keys.bucketCountries(t);
  if (sources.size > 0)
    await redis
      .multi()
      .sadd(countries, ...sources.keys())
      .pexpire(countries, LIVE_TTL_MS)
      .exec();
}

/** Every (ad, clicks) of one live set (its hash), for one country or all. */
export async function readLiveSet(
  redis: Redis,
  keys: RedisKeys,
  kind: "minute" | "bucket",
  t: number,
  country: string = ALL_COUNTRIES,
): Promise<Map<string, number>> {
  const all = await redis.hgetall(kind === "minute" ? keys.minuteHash(t, country) : keys.bucketHash(t, country));
  return new Map(Object.entries(all).map(([ad, n]) => [ad, Number(n)]));
}
