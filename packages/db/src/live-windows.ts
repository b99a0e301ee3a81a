// Maintains the live sliding windows in Redis (see redis-keys.ts for the contract): applies a
// checkpoint's deltas exactly once per (consumer, partition, seq) in one Lua script, and
// rebuilds everything from the Postgres rollups when Redis has lost it.
import { randomUUID } from "node:crypto";
import type { MinuteCounts } from "@adclicks/core";
import type { Redis, Result } from "ioredis";
import type pg from "pg";
import {
  ALL_COUNTRIES,
  ALL_TOP_CAP,
  BUCKET_MS,
  keptBucketOf,
  LIVE_TTL_MS,
  MINUTES_KEPT,
  type RedisKeys,
} from "./redis-keys";

const MINUTE_MS = 60_000;

// KEYS: meta, applied. ARGV: tag, n, then n × (field, fromSeq, toSeq), then the merged cells of
// those checkpoints in MinuteCounts' grouped format: (minute, country, k, (ad, clicks) × k)*.
// Applies all of it or nothing: every partition's last applied seq must be fromSeq - 1, else it
// returns {-2, last₁, …, last_n} and the caller re-plans. Returns {-1} while not ready, {1} done.
// A cell goes into its minute's and its bucket's sets: the country's sorted set, the
// all-countries hash, and the all-countries top where its new total reaches it (the top's
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
local M, KEEP, TTL, B, CAP = ${MINUTE_MS}, ${MINUTES_KEPT}, ${LIVE_TTL_MS}, ${BUCKET_MS}, ${ALL_TOP_CAP}
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
  for _, c in ipairs(redis.call('SMEMBERS', countries)) do redis.call('UNLINK', tag .. ':' .. kind .. ':' .. ts .. ':' .. c) end
  redis.call('UNLINK', tag .. ':' .. kind .. ':' .. ts .. ':*', tag .. ':' .. kind .. 'h:' .. ts, countries)
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

-- Per minute or bucket written in this call: its all-countries top (size, lowest score once
-- full) and shared keys, whose expiry is renewed once at the end.
local shared = {}
local function lowest(top)
  return tonumber(redis.call('ZRANGE', top, 0, 0, 'WITHSCORES')[2])
end
local function add(kind, ts, c, from, k)
  local prefix = tag .. ':' .. kind
  local s = shared[prefix .. ts]
  if s == nil then
    local top = prefix .. ':' .. ts .. ':*'
    s = { top = top, hash = prefix .. 'h:' .. ts, countries = prefix .. 'c:' .. ts, card = redis.call('ZCARD', top), min = 0 }
    if s.card >= CAP then s.min = lowest(top) end
    shared[prefix .. ts] = s
  end
  local own = prefix .. ':' .. ts .. ':' .. c
  for j = from, from + 2 * k - 2, 2 do
    local ad, n = ARGV[j], ARGV[j + 1]
    redis.call('ZINCRBY', own, n, ad)
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
      elseif s.card == CAP and v - tonumber(n) <= s.min then
        s.min = lowest(s.top)
      end
    end
  end
  if redis.call('SADD', s.countries, c) == 1 then redis.call('PEXPIRE', own, TTL) end
end
i = first
while i <= #ARGV do
  local m, c, k = tonumber(ARGV[i]), ARGV[i + 1], tonumber(ARGV[i + 2])
  if m > head - KEEP * M then
    add('m', string.format('%d', m), c, i + 3, k)
    -- A bucket whose first minute has left is never read again: leave it gone.
    local b = m - m % B
    if b > head - KEEP * M then add('b', string.format('%d', b), c, i + 3, k) end
  end
  i = i + 3 + 2 * k
end
for _, s in pairs(shared) do
  for _, key in ipairs({s.top, s.hash, s.countries}) do redis.call('PEXPIRE', key, TTL) end
end
for p = 1, np do
  local b = 3 + (p - 1) * 3
  redis.call('HSET', KEYS[2], ARGV[b], ARGV[b + 2])
end
redis.call('PEXPIRE', KEYS[1], TTL)
redis.call('PEXPIRE', KEYS[2], TTL)
return {1}`;

// KEYS: the all-countries top, its hash, a scratch key, then the minute's (or bucket's)
// per-country sets. Rebuilds the hash and the top from the country sets (their sum).
const DERIVE_ALL_LUA = `
local CAP, TTL = ${ALL_TOP_CAP}, ${LIVE_TTL_MS}
redis.call('UNLINK', KEYS[1], KEYS[2])
if #KEYS < 4 then return 0 end
redis.call('ZUNIONSTORE', KEYS[3], #KEYS - 3, unpack(KEYS, 4))
local n = redis.call('ZCARD', KEYS[3])
for s = 0, n - 1, 2000 do
  local chunk = redis.call('ZRANGE', KEYS[3], s, s + 1999, 'WITHSCORES')
  redis.call('HSET', KEYS[2], unpack(chunk))
end
for s = 0, math.min(n, CAP) - 1, 2000 do
  local chunk = redis.call('ZRANGE', KEYS[3], s, math.min(s + 1999, CAP - 1), 'REV', 'WITHSCORES')
  local args = {}
  for j = 1, #chunk, 2 do
    args[#args + 1] = chunk[j + 1]
    args[#args + 1] = chunk[j]
  end
  redis.call('ZADD', KEYS[1], unpack(args))
end
redis.call('UNLINK', KEYS[3])
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
    adclicksDeriveAll(numKeys: number, ...keys: string[]): Result<number, Context>;
  }
}

function ensureCommands(redis: Redis): void {
  if (typeof (redis as Partial<Redis>).adclicksApply !== "function") {
    redis.defineCommand("adclicksApply", { numberOfKeys: 2, lua: APPLY_LUA });
    redis.defineCommand("adclicksDeriveAll", { lua: DERIVE_ALL_LUA });
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
 * seqs of the snapshot make later applies of older checkpoints no-ops. Rollups go into the
 * per-country sets a minute at a time; buckets and all-countries sets are sums of those, added up
 * by Redis (no copy in this process).
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
    for (const kind of ["m", "mh", "mc", "b", "bh", "bc"]) await deleteByPattern(redis, `${keys.tag}:${kind}:*`);
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
        countriesOf.set(m, await writeMinute(redis, keys, m, rows));
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
    const bucketsOf = new Map<number, number[]>();
    for (const m of countriesOf.keys()) {
      const b = keptBucketOf(m, head);
      if (b !== null) bucketsOf.set(b, [...(bucketsOf.get(b) ?? []), m]);
    }
    for (const [b, minutes] of bucketsOf) {
      const countries = [...new Set(minutes.flatMap((m) => countriesOf.get(m) ?? []))];
      const pipe = redis.pipeline();
      for (const c of countries) {
        const from = minutes.map((m) => keys.minute(m, c));
        pipe.zunionstore(keys.bucket(b, c), from.length, ...from).pexpire(keys.bucket(b, c), LIVE_TTL_MS);
      }
      pipe.sadd(keys.bucketCountries(b), ...countries).pexpire(keys.bucketCountries(b), LIVE_TTL_MS);
      await pipe.exec();
      await deriveAllCountries(redis, keys, "bucket", b, countries);
    }
    for (const [m, countries] of countriesOf) await deriveAllCountries(redis, keys, "minute", m, countries);
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
 * The all-countries hash and top of a minute or bucket, from its per-country sets (whose sum it
 * is): for the rebuild, and for loaders that write country sets directly (the query benchmark).
 */
export async function deriveAllCountries(
  redis: Redis,
  keys: RedisKeys,
  kind: "minute" | "bucket",
  t: number,
  countries: readonly string[],
): Promise<void> {
  ensureCommands(redis);
  const own = (c: string) => (kind === "minute" ? keys.minute(t, c) : keys.bucket(t, c));
  const derived = [
    own(ALL_COUNTRIES),
    kind === "minute" ? keys.minuteHash(t) : keys.bucketHash(t),
    `${keys.tag}:tmp:derive`,
  ];
  const sources = countries.map(own);
  await redis.adclicksDeriveAll(derived.length + sources.length, ...derived, ...sources);
}

/** Every (ad, clicks) of one live set: the hash for all countries, the sorted set for one. */
export async function readLiveSet(
  redis: Redis,
  keys: RedisKeys,
  kind: "minute" | "bucket",
  t: number,
  country?: string,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (country === undefined || country === ALL_COUNTRIES) {
    const all = await redis.hgetall(kind === "minute" ? keys.minuteHash(t) : keys.bucketHash(t));
    for (const [ad, n] of Object.entries(all)) out.set(ad, Number(n));
    return out;
  }
  const raw = await redis.zrange(
    kind === "minute" ? keys.minute(t, country) : keys.bucket(t, country),
    "0",
    "-1",
    "WITHSCORES",
  );
  for (let i = 0; i + 1 < raw.length; i += 2) out.set(raw[i]!, Number(raw[i + 1]));
  return out;
}

/** One minute's rows into its per-country sets; its countries. */
async function writeMinute(
  redis: Redis,
  keys: RedisKeys,
  minute: number,
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
    for (let i = 0; i < args.length; i += 2000) pipe.zadd(keys.minute(minute, c), ...args.slice(i, i + 2000));
    pipe.pexpire(keys.minute(minute, c), LIVE_TTL_MS);
  }
  const countries = [...sets.keys()];
  if (countries.length > 0) {
    pipe.sadd(keys.minuteCountries(minute), ...countries).pexpire(keys.minuteCountries(minute), LIVE_TTL_MS);
  }
  await pipe.exec();
  return countries;
}

async function deleteByPattern(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (found.length > 0) await redis.unlink(...found);
  } while (cursor !== "0");
}
