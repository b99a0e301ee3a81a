// Maintains the live sliding windows in Redis (see redis-keys.ts for the contract): applies a
// checkpoint's deltas exactly once per (consumer, partition, seq) in one Lua script, and
// rebuilds everything from the Postgres rollups when Redis has lost it.
import { randomUUID } from "node:crypto";
import type { MinuteCounts } from "@adclicks/core";
import type { Redis, Result } from "ioredis";
import type pg from "pg";
import { ALL_COUNTRIES, BUCKET_MS, keptBucketOf, LIVE_TTL_MS, MINUTES_KEPT, type RedisKeys } from "./redis-keys";

const MINUTE_MS = 60_000;

// KEYS: meta, applied. ARGV: tag, n, then n × (field, fromSeq, toSeq), then the merged cells of
// those checkpoints in MinuteCounts' grouped format: (minute, country, k, (ad, clicks) × k)*.
// Applies all of it or nothing: every partition's last applied seq must be fromSeq - 1, else it
// returns {-2, last₁, …, last_n} and the caller re-plans. Returns {-1} while not ready, {1} done.
// Each cell costs four ZINCRBY: its minute's and its bucket's sets, for its country and for all
// countries. Minutes (and buckets, with their first minute) that leave the kept range are
// unlinked. Applies commute, so merging consecutive checkpoints changes nothing but the cost.
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
local M, KEEP, TTL = ${MINUTE_MS}, ${MINUTES_KEPT}, ${LIVE_TTL_MS}
local head = tonumber(redis.call('HGET', KEYS[1], 'head') or '0')
local maxm = head
local i = first
while i <= #ARGV do
  local m = tonumber(ARGV[i])
  if m > maxm then maxm = m end
  i = i + 3 + 2 * tonumber(ARGV[i + 2])
end

local B = ${BUCKET_MS}
local function mkey(ms, c) return tag .. ':m:' .. ms .. ':' .. c end
local function bkey(bs, c) return tag .. ':b:' .. bs .. ':' .. c end
local function drop(countries, key)
  for _, c in ipairs(redis.call('SMEMBERS', countries)) do redis.call('UNLINK', key(c)) end
  redis.call('UNLINK', key('*'), countries)
end
if maxm > head then
  if head > 0 then
    for m = head - (KEEP - 1) * M, math.min(maxm - KEEP * M, head), M do
      local ms = string.format('%d', m)
      drop(tag .. ':mc:' .. ms, function(c) return mkey(ms, c) end)
      if m % B == 0 then drop(tag .. ':bc:' .. ms, function(c) return bkey(ms, c) end) end
    end
  end
  redis.call('HSET', KEYS[1], 'head', string.format('%d', maxm))
  head = maxm
end

-- The k (ad, clicks) pairs from ARGV[from] into a set for all countries and one for country c.
local function add(all, own, countries, c, from, k)
  redis.call('SADD', countries, c)
  for j = from, from + 2 * k - 2, 2 do
    redis.call('ZINCRBY', all, ARGV[j + 1], ARGV[j])
    redis.call('ZINCRBY', own, ARGV[j + 1], ARGV[j])
  end
  for _, key in ipairs({all, own, countries}) do redis.call('PEXPIRE', key, TTL) end
end
i = first
while i <= #ARGV do
  local m, c, k = tonumber(ARGV[i]), ARGV[i + 1], tonumber(ARGV[i + 2])
  if m > head - KEEP * M then
    local ms = string.format('%d', m)
    add(mkey(ms, '*'), mkey(ms, c), tag .. ':mc:' .. ms, c, i + 3, k)
    -- A bucket whose first minute has left is never read again: leave it gone.
    local b = m - m % B
    if b > head - KEEP * M then
      local bs = string.format('%d', b)
      add(bkey(bs, '*'), bkey(bs, c), tag .. ':bc:' .. bs, c, i + 3, k)
    end
  end
  i = i + 3 + 2 * k
end
for p = 1, np do
  local b = 3 + (p - 1) * 3
  redis.call('HSET', KEYS[2], ARGV[b], ARGV[b + 2])
end
redis.call('PEXPIRE', KEYS[1], TTL)
redis.call('PEXPIRE', KEYS[2], TTL)
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
    for (const kind of ["m", "mc", "b", "bc"]) await deleteByPattern(redis, `${keys.tag}:${kind}:*`);
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
    // Buckets are sums of their minute sets: let Redis add them up (no copy in this process).
    const bucketsOf = new Map<number, number[]>();
    for (const m of countriesOf.keys()) {
      const b = keptBucketOf(m, head);
      if (b !== null) bucketsOf.set(b, [...(bucketsOf.get(b) ?? []), m]);
    }
    for (const [b, minutes] of bucketsOf) {
      const countries = new Set(minutes.flatMap((m) => countriesOf.get(m) ?? []));
      const pipe = redis.pipeline();
      for (const c of [ALL_COUNTRIES, ...countries]) {
        const from = minutes.map((m) => keys.minute(m, c));
        pipe.zunionstore(keys.bucket(b, c), from.length, ...from).pexpire(keys.bucket(b, c), LIVE_TTL_MS);
      }
      if (countries.size > 0) {
        pipe.sadd(keys.bucketCountries(b), ...countries).pexpire(keys.bucketCountries(b), LIVE_TTL_MS);
      }
      await pipe.exec();
    }
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

/** One minute's rows into its per-minute sets (all countries and each country); its countries. */
async function writeMinute(
  redis: Redis,
  keys: RedisKeys,
  minute: number,
  rows: { ad_id: string; country: string; clicks: number }[],
): Promise<string[]> {
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
    pipe.pexpire(keys.minute(minute, c), LIVE_TTL_MS);
  }
  const countries = [...sets.keys()].filter((c) => c !== ALL_COUNTRIES);
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
