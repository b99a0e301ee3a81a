// Maintains the live sliding windows in Redis (see redis-keys.ts for the contract): applies a
// checkpoint's deltas exactly once per (consumer, partition, seq) in one Lua script, and
// rebuilds everything from the Postgres rollups when Redis has lost it.
import { randomUUID } from "node:crypto";
import type { MinuteCounts } from "@adclicks/core";
import type { Redis, Result } from "ioredis";
import type pg from "pg";
import { ALL_COUNTRIES, MINUTES_KEPT, type RedisKeys, ROLLING_WINDOWS } from "./redis-keys";

const MINUTE_MS = 60_000;

// KEYS: meta, applied. ARGV: tag, n, then n × (field, fromSeq, toSeq), then the merged cells of
// those checkpoints in MinuteCounts' grouped format: (minute, country, k, (ad, clicks) × k)*.
// Applies all of it or nothing: every partition's last applied seq must be fromSeq - 1, else it
// returns {-2, last₁, …, last_n} and the caller re-plans. Returns {-1} while not ready, {1} done.
// Invariant kept: window(W, c) = sum of minute(m, c) for m in (head - W, head], whatever the
// order of applies, so merging consecutive checkpoints changes nothing but the cost.
const APPLY_LUA = `
local tag, np = ARGV[1], tonumber(ARGV[2])
if redis.call('HGET', KEYS[1], 'ready') ~= '1' then return {-1} end
local lasts, ok = {}, true
for p = 1, np do
  local b = 3 + (p - 1) * 3
  lasts[p] = tonumber(redis.call('HGET', KEYS[2], ARGV[b]) or '0')
  if lasts[p] ~= tonumber(ARGV[b + 1]) - 1 then ok = false end
end
if not ok then table.insert(lasts, 1, -2) return lasts end
local first = 3 + np * 3
local M = ${MINUTE_MS}
local W = {${ROLLING_WINDOWS.join(",")}}
local KEEP = ${MINUTES_KEPT}
local head = tonumber(redis.call('HGET', KEYS[1], 'head') or '0')
local maxm = head
local i = first
while i <= #ARGV do
  local m = tonumber(ARGV[i])
  if m > maxm then maxm = m end
  i = i + 3 + 2 * tonumber(ARGV[i + 2])
end

local function mkey(m, c) return tag .. ':m:' .. string.format('%d', m) .. ':' .. c end
local function wkey(w, c) return tag .. ':w:' .. w .. ':' .. c end
local function mcountries(m)
  local cs = redis.call('SMEMBERS', tag .. ':mc:' .. string.format('%d', m))
  table.insert(cs, '*')
  return cs
end
-- Subtract minute m from window w (it is leaving the window).
local function leave(m, w)
  for _, c in ipairs(mcountries(m)) do
    local items = redis.call('ZRANGE', mkey(m, c), 0, -1, 'WITHSCORES')
    local dst = wkey(w, c)
    for j = 1, #items, 2 do
      local v = tonumber(redis.call('ZINCRBY', dst, -tonumber(items[j + 1]), items[j]))
      if v <= 0 then redis.call('ZREM', dst, items[j]) end
    end
  end
end

if maxm > head and head > 0 then
  for _, w in ipairs(W) do
    local from = head - (w - 1) * M
    local to = math.min(maxm - w * M, head)
    for m = from, to, M do leave(m, w) end
  end
  local from = head - (KEEP - 1) * M
  local to = math.min(maxm - KEEP * M, head)
  for m = from, to, M do
    for _, c in ipairs(mcountries(m)) do redis.call('DEL', mkey(m, c)) end
    redis.call('DEL', tag .. ':mc:' .. string.format('%d', m))
  end
end
if maxm > head then
  redis.call('HSET', KEYS[1], 'head', string.format('%d', maxm))
  head = maxm
end

i = first
while i <= #ARGV do
  local m, c, k = tonumber(ARGV[i]), ARGV[i + 1], tonumber(ARGV[i + 2])
  if m > head - KEEP * M then
    local ms = string.format('%d', m)
    local ks = { tag .. ':m:' .. ms .. ':*', tag .. ':m:' .. ms .. ':' .. c }
    for _, w in ipairs(W) do
      if m > head - w * M then
        ks[#ks + 1] = wkey(w, '*')
        ks[#ks + 1] = wkey(w, c)
      end
    end
    redis.call('SADD', tag .. ':mc:' .. ms, c)
    local nk = #ks
    for j = i + 3, i + 1 + 2 * k, 2 do
      local ad, n = ARGV[j], ARGV[j + 1]
      for x = 1, nk do redis.call('ZINCRBY', ks[x], n, ad) end
    end
  end
  i = i + 3 + 2 * k
end
for p = 1, np do
  local b = 3 + (p - 1) * 3
  redis.call('HSET', KEYS[2], ARGV[b], ARGV[b + 2])
end
return {1}`;

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

declare module "ioredis" {
  interface RedisCommander<Context> {
    /** ioredis flattens the array (a spread of ~10⁵ arguments could overflow the stack). */
    adclicksApply(meta: string, applied: string, args: (string | number)[]): Result<number[], Context>;
  }
}

function ensureCommands(redis: Redis): void {
  if (typeof (redis as Partial<Redis>).adclicksApply !== "function") {
    redis.defineCommand("adclicksApply", { numberOfKeys: 2, lua: APPLY_LUA });
  }
}

export function appliedField(consumer: string, partition: number): string {
  return `${consumer}:${partition}`;
}

/**
 * Applies the merged cells of consecutive checkpoints (`ranges`, each partition once) exactly
 * once, atomically: only when every partition's last applied seq is its range's fromSeq - 1.
 */
export async function applyDeltas(
  redis: Redis,
  keys: RedisKeys,
  consumer: string,
  ranges: readonly SeqRange[],
  counts: MinuteCounts,
): Promise<ApplyResult> {
  ensureCommands(redis);
  const args: (string | number)[] = [keys.tag, ranges.length];
  for (const r of ranges) args.push(appliedField(consumer, r.partition), r.fromSeq, r.toSeq);
  for (const v of counts.grouped()) args.push(v);
  const reply = await redis.adclicksApply(keys.meta, keys.applied, args);
  if (reply[0] === 1) return { kind: "applied" };
  if (reply[0] === -1) return { kind: "not_ready" };
  return { kind: "mismatch", lastApplied: new Map(ranges.map((r, i) => [r.partition, Number(reply[i + 1])])) };
}

export async function liveWindowsReady(redis: Redis, keys: RedisKeys): Promise<boolean> {
  return (await redis.hget(keys.meta, "ready")) === "1";
}

/**
 * Rebuilds every live window from Postgres (after Redis lost its data, or on first start).
 * One rebuilder at a time (a lock); checkpoint applies are refused until it is done, and the
 * seqs of the snapshot make later applies of older checkpoints no-ops.
 */
export async function rebuildLiveWindows(
  pool: pg.Pool,
  redis: Redis,
  keys: RedisKeys,
  consumer: string,
): Promise<{ rebuilt: boolean; rows: number; head: number }> {
  const token = randomUUID();
  // Long enough for a rebuild at full scale; a crashed rebuilder blocks others at most this long.
  const locked = await redis.set(keys.rebuildLock, token, "PX", 600_000, "NX");
  if (locked !== "OK") return { rebuilt: false, rows: 0, head: 0 };
  try {
    await redis.hdel(keys.meta, "ready");
    await deleteByPattern(redis, `${keys.tag}:m:*`);
    await deleteByPattern(redis, `${keys.tag}:w:*`);
    await deleteByPattern(redis, `${keys.tag}:mc:*`);
    await redis.del(keys.applied);

    // One snapshot for rollups and seqs; read a minute at a time so memory stays bounded.
    const client = await pool.connect();
    let head = 0;
    let rowCount = 0;
    let seqs: { partition: number; seq: number }[] = [];
    const allCountries = new Set<string>([ALL_COUNTRIES]);
    const minutes: number[] = [];
    try {
      await client.query("begin isolation level repeatable read read only");
      const h = await client.query<{ head: number | null }>(
        "select (extract(epoch from max(minute)) * 1000)::bigint as head from click_rollups",
      );
      head = h.rows[0]?.head ?? 0;
      for (let m = head - (MINUTES_KEPT - 1) * MINUTE_MS; head > 0 && m <= head; m += MINUTE_MS) {
        const { rows } = await client.query<{ ad_id: string; country: string; clicks: number }>(
          "select ad_id, country, clicks from click_rollups where minute = to_timestamp($1 / 1000.0)",
          [m],
        );
        if (rows.length === 0) continue;
        minutes.push(m);
        rowCount += rows.length;
        await writeMinute(redis, keys, m, rows, allCountries);
      }
      seqs = (
        await client.query<{ partition: number; seq: number }>(
          "select partition, seq from consumer_checkpoints where consumer = $1",
          [consumer],
        )
      ).rows;
      await client.query("commit");
    } finally {
      client.release();
    }
    // Windows are sums of minute sets: let Redis add them up (no copy of the data in this process).
    for (const w of ROLLING_WINDOWS) {
      const inWindow = minutes.filter((m) => m > head - w * MINUTE_MS);
      if (inWindow.length === 0) continue;
      for (const c of allCountries) {
        await redis.zunionstore(keys.window(w, c), inWindow.length, ...inWindow.map((m) => keys.minute(m, c)));
      }
    }
    const multi = redis.multi();
    for (const s of seqs) multi.hset(keys.applied, appliedField(consumer, s.partition), s.seq);
    multi.hset(keys.meta, "head", head, "ready", "1", "rebuilt_at", Date.now());
    await multi.exec();
    return { rebuilt: true, rows: rowCount, head };
  } finally {
    // Release only our own lock.
    await redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      keys.rebuildLock,
      token,
    );
  }
}

/** One minute's rows into its per-minute sets (all countries and each country). */
async function writeMinute(
  redis: Redis,
  keys: RedisKeys,
  minute: number,
  rows: { ad_id: string; country: string; clicks: number }[],
  allCountries: Set<string>,
): Promise<void> {
  const sets = new Map<string, Map<string, number>>();
  for (const r of rows) {
    for (const c of [ALL_COUNTRIES, r.country]) {
      let set = sets.get(c);
      if (!set) {
        set = new Map();
        sets.set(c, set);
      }
      set.set(r.ad_id, (set.get(r.ad_id) ?? 0) + r.clicks);
    }
    allCountries.add(r.country);
  }
  const pipe = redis.pipeline();
  for (const [c, members] of sets) {
    let args: (string | number)[] = [];
    for (const [ad, n] of members) {
      args.push(n, ad);
      if (args.length >= 2000) {
        pipe.zadd(keys.minute(minute, c), ...args);
        args = [];
      }
    }
    if (args.length > 0) pipe.zadd(keys.minute(minute, c), ...args);
  }
  const countries = [...sets.keys()].filter((c) => c !== ALL_COUNTRIES);
  if (countries.length > 0) pipe.sadd(keys.minuteCountries(minute), ...countries);
  await pipe.exec();
}

async function deleteByPattern(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (found.length > 0) await redis.unlink(...found);
  } while (cursor !== "0");
}
