// Maintains the live sliding windows in Redis (see redis-keys.ts for the contract): applies a
// checkpoint's deltas exactly once per (consumer, partition, seq) in one Lua script, and
// rebuilds everything from the Postgres rollups when Redis has lost it.
import { randomUUID } from "node:crypto";
import type { MinuteCounts } from "@adclicks/core";
import type { Redis, Result } from "ioredis";
import type pg from "pg";
import {
  ALL_COUNTRIES,
  BUCKET_MS,
  keptBucketOf,
  LIVE_TTL_MS,
  MINUTES_KEPT,
  type RedisKeys,
  TOP_CAP,
} from "./redis-keys";

const MINUTE_MS = 60_000;

// KEYS: meta, applied. ARGV: tag, n, then n × (field, fromSeq, toSeq), then the merged cells of
// those checkpoints in MinuteCounts' grouped format: (minute, country, k, (ad, clicks) × k)*.
// Applies all of it or nothing: every partition's last applied seq must be fromSeq - 1, else it
// returns {-2, last₁, …, last_n} and the caller re-plans. Returns {-1} while not ready, {1} done.
// A cell goes into its minute's and its bucket's sets, its country's and the all-countries one:
// an increment of the set's hash, and of its top where the new total reaches it (the top's
// lowest score is read once per call and followed as the top changes). Minutes (and buckets,
// with their first minute) that leave the kept range are unlinked. Applies commute (the top
// keeps its contract whatever the order), so merging consecutive checkpoints changes nothing
// but the cost.
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
local M, KEEP, TTL, B, CAP = ${MINUTE_MS}, ${MINUTES_KEPT}, ${LIVE_TTL_MS}, ${BUCKET_MS}, ${TOP_CAP}
local head = tonumber(redis.call('HGET', KEYS[1], 'head') or '0')
local maxm = head
local i = first
while i <= #ARGV do
  local m = tonumber(ARGV[i])
  if m > maxm then maxm = m end
  i = i + 3 + 2 * tonumber(ARGV[i + 2])
end

local function drop(kind, ts)
  local countries = tag .. ':' .. kind .. 'c:' .. ts
  local cs = redis.call('SMEMBERS', countries)
  cs[#cs + 1] = '*'
  for _, c in ipairs(cs) do
    redis.call('UNLINK', tag .. ':' .. kind .. ':' .. ts .. ':' .. c, tag .. ':' .. kind .. 'h:' .. ts .. ':' .. c)
  end
  redis.call('UNLINK', countries)
end
if maxm > head then
  if head > 0 then
    for m = head - (KEEP - 1) * M, math.min(maxm - KEEP * M, head), M do
      local ms = string.format('%d', m)
      drop('m', ms)
      if m % B == 0 then drop('b', ms) end
    end
  end
  redis.call('HSET', KEYS[1], 'head', string.format('%d', maxm))
  head = maxm
end

-- Per set written in this call: its top's size and lowest score once full (followed as the top
-- changes), so the top is read once per call, not per cell.
local sets = {}
local function lowest(top)
  return tonumber(redis.call('ZRANGE', top, 0, 0, 'WITHSCORES')[2])
end
local function open(prefix, ts, c)
  local top = prefix .. ':' .. ts .. ':' .. c
  local s = sets[top]
  if s == nil then
    s = { top = top, hash = prefix .. 'h:' .. ts .. ':' .. c, countries = prefix .. 'c:' .. ts, c = c }
    s.card, s.min = redis.call('ZCARD', top), 0
    if s.card >= CAP then s.min = lowest(top) end
    sets[top] = s
  end
  return s
end
local function bump(s, ad, n)
  local v = redis.call('HINCRBY', s.hash, ad, n)
  -- Below the top's lowest score an ad stays out of it (it cannot be in it: it would be above).
  if v > s.min then
    if redis.call('ZADD', s.top, v, ad) == 1 then
      s.card = s.card + 1
      if s.card > CAP then
        redis.call('ZPOPMIN', s.top)
        s.card = CAP
      end
      if s.card == CAP then s.min = lowest(s.top) end
    elseif s.card == CAP and v - n <= s.min then
      s.min = lowest(s.top)
    end
  end
end
-- The all-countries sets take a call's clicks summed per ad first: a popular ad has a cell in
-- most countries, and is in the top, so this saves most of their writes.
local totals = {}
local function total(prefix, ts)
  local id = prefix .. ':' .. ts
  local t = totals[id]
  if t == nil then
    t = { prefix = prefix, ts = ts, clicks = {} }
    totals[id] = t
  end
  return t.clicks
end
i = first
while i <= #ARGV do
  local m, c, k = tonumber(ARGV[i]), ARGV[i + 1], tonumber(ARGV[i + 2])
  if m > head - KEEP * M then
    local ts = string.format('%d', m)
    local own, all = open(tag .. ':m', ts, c), total(tag .. ':m', ts)
    -- A bucket whose first minute has left is never read again: leave it gone.
    local b = m - m % B
    local bown, ball
    if b > head - KEEP * M then
      local bts = string.format('%d', b)
      bown, ball = open(tag .. ':b', bts, c), total(tag .. ':b', bts)
    end
    for j = i + 3, i + 1 + 2 * k, 2 do
      local ad, n = ARGV[j], tonumber(ARGV[j + 1])
      bump(own, ad, n)
      all[ad] = (all[ad] or 0) + n
      if bown then
        bump(bown, ad, n)
        ball[ad] = (ball[ad] or 0) + n
      end
    end
  end
  i = i + 3 + 2 * k
end
for _, t in pairs(totals) do
  local s = open(t.prefix, t.ts, '*')
  for ad, n in pairs(t.clicks) do bump(s, ad, n) end
end
-- The all-countries keys are renewed by each call; a country's expire from their creation, and
-- so does the countries' set when this SADD creates it (after the loop may have renewed it).
for _, s in pairs(sets) do
  if s.c == '*' or redis.call('SADD', s.countries, s.c) == 1 then
    for _, key in ipairs({s.top, s.hash, s.countries}) do redis.call('PEXPIRE', key, TTL) end
  end
end
for p = 1, np do
  local b = 3 + (p - 1) * 3
  redis.call('HSET', KEYS[2], ARGV[b], ARGV[b + 2])
end
redis.call('PEXPIRE', KEYS[1], TTL)
redis.call('PEXPIRE', KEYS[2], TTL)
return {1}`;

// KEYS: a top, its hash, a scratch key, then sorted sets whose sum the set is. Rebuilds the
// hash and the top from that sum.
const DERIVE_LUA = `
local CAP, TTL = ${TOP_CAP}, ${LIVE_TTL_MS}
redis.call('UNLINK', KEYS[1], KEYS[2])
if #KEYS < 4 then return 0 end
-- One source is read as it is; more are added up into the scratch key first.
local sum = KEYS[4]
if #KEYS > 4 then
  sum = KEYS[3]
  redis.call('ZUNIONSTORE', sum, #KEYS - 3, unpack(KEYS, 4))
end
local n = redis.call('ZCARD', sum)
for s = 0, n - 1, 2000 do
  local chunk = redis.call('ZRANGE', sum, s, s + 1999, 'WITHSCORES')
  redis.call('HSET', KEYS[2], unpack(chunk))
end
for s = 0, math.min(n, CAP) - 1, 2000 do
  local chunk = redis.call('ZRANGE', sum, s, math.min(s + 1999, CAP - 1), 'REV', 'WITHSCORES')
  local args = {}
  for j = 1, #chunk, 2 do
    args[#args + 1] = chunk[j + 1]
    args[#args + 1] = chunk[j]
  end
  redis.call('ZADD', KEYS[1], unpack(args))
end
if sum == KEYS[3] then redis.call('UNLINK', sum) end
redis.call('PEXPIRE', KEYS[1], TTL)
redis.call('PEXPIRE', KEYS[2], TTL)
return n`;

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
    adclicksDerive(numKeys: number, ...keys: string[]): Result<number, Context>;
  }
}

function ensureCommands(redis: Redis): void {
  if (typeof (redis as Partial<Redis>).adclicksApply !== "function") {
    redis.defineCommand("adclicksApply", { numberOfKeys: 2, lua: APPLY_LUA });
    redis.defineCommand("adclicksDerive", { lua: DERIVE_LUA });
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

/** Long enough for a rebuild at full scale; a crashed rebuilder blocks others (and leaves its scratch sets) at most this long. */
const REBUILD_LOCK_MS = 600_000;

/**
 * Rebuilds every live window from Postgres (after Redis lost its data, or on first start).
 * One rebuilder at a time (a lock); checkpoint applies are refused until it is done, and the
 * seqs of the snapshot make later applies of older checkpoints no-ops. Rollups go into scratch
 * sorted sets, one per minute and country, a minute at a time; every live set is then derived
 * from the sum of its scratch sets, added up by Redis (no copy in this process).
 */
export async function rebuildLiveWindows(
  pool: pg.Pool,
  redis: Redis,
  keys: RedisKeys,
  consumer: string,
): Promise<{ rebuilt: boolean; rows: number; head: number }> {
  const token = randomUUID();
  const locked = await redis.set(keys.rebuildLock, token, "PX", REBUILD_LOCK_MS, "NX");
  if (locked !== "OK") return { rebuilt: false, rows: 0, head: 0 };
  const scratch = (m: number, c: string) => `${keys.tag}:rb:${m}:${c}`;
  try {
    await redis.hdel(keys.meta, "ready");
    for (const kind of ["m", "mh", "mc", "b", "bh", "bc", "rb"]) await deleteByPattern(redis, `${keys.tag}:${kind}:*`);
    await redis.del(keys.applied);

    // One snapshot for rollups and seqs; read a minute at a time so memory stays bounded.
    const client = await pool.connect();
    let head = 0;
    let rowCount = 0;
    let seqs: { partition: number; seq: number }[] = [];
    const countriesOf = new Map<number, string[]>(); // minute -> its countries
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
        rowCount += rows.length;
        countriesOf.set(m, await writeScratch(redis, (c) => scratch(m, c), rows));
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
    const bucketSources = new Map<number, Map<string, string[]>>();
    for (const [m, countries] of countriesOf) {
      await deriveLiveSets(redis, keys, "minute", m, new Map(countries.map((c) => [c, [scratch(m, c)]])));
      const b = keptBucketOf(m, head);
      if (b === null) continue;
      const sources = bucketSources.get(b) ?? new Map<string, string[]>();
      for (const c of countries) sources.set(c, [...(sources.get(c) ?? []), scratch(m, c)]);
      bucketSources.set(b, sources);
    }
    for (const [b, sources] of bucketSources) await deriveLiveSets(redis, keys, "bucket", b, sources);
    const scratchKeys = [...countriesOf].flatMap(([m, countries]) => countries.map((c) => scratch(m, c)));
    for (let i = 0; i < scratchKeys.length; i += 1000) await redis.unlink(...scratchKeys.slice(i, i + 1000));
    const multi = redis.multi();
    for (const s of seqs) multi.hset(keys.applied, appliedField(consumer, s.partition), s.seq);
    multi.hset(keys.meta, "head", head, "ready", "1", "rebuilt_at", Date.now());
    multi.pexpire(keys.meta, LIVE_TTL_MS).pexpire(keys.applied, LIVE_TTL_MS);
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
  ensureCommands(redis);
  const tmp = `${keys.tag}:tmp:derive`;
  const [top, hash] = kind === "minute" ? [keys.minute, keys.minuteHash] : [keys.bucket, keys.bucketHash];
  const derive = (c: string, from: readonly string[]) =>
    redis.adclicksDerive(3 + from.length, top(t, c), hash(t, c), tmp, ...from);
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

/** Rows of one minute into scratch sorted sets, one per country; its countries. */
async function writeScratch(
  redis: Redis,
  keyOf: (country: string) => string,
  rows: { ad_id: string; country: string; clicks: number }[],
): Promise<string[]> {
  const sets = new Map<string, (string | number)[]>();
  for (const r of rows) {
    let args = sets.get(r.country);
    if (!args) {
      args = [];
      sets.set(r.country, args);
    }
    args.push(r.clicks, r.ad_id);
  }
  const pipe = redis.pipeline();
  for (const [c, args] of sets) {
    for (let i = 0; i < args.length; i += 2000) pipe.zadd(keyOf(c), ...args.slice(i, i + 2000));
    pipe.pexpire(keyOf(c), REBUILD_LOCK_MS);
  }
  await pipe.exec();
  return [...sets.keys()];
}

async function deleteByPattern(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (found.length > 0) await redis.unlink(...found);
  } while (cursor !== "0");
}
