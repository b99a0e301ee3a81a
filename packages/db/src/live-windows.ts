// Maintains the live sliding windows in Redis (see redis-keys.ts for the contract): applies a
// checkpoint's deltas exactly once per (consumer, partition, seq) in one Lua script, and
// rebuilds everything from the Postgres rollups when Redis has lost it.
import { randomUUID } from "node:crypto";
import type { Redis, Result } from "ioredis";
import type pg from "pg";
import { ALL_COUNTRIES, MINUTES_KEPT, type RedisKeys, ROLLING_WINDOWS } from "./redis-keys";

const MINUTE_MS = 60_000;

// KEYS: meta, applied. ARGV: tag, field, seq, then [minute, country, ad, clicks]* tuples.
// Invariant kept: window(W, c) = sum of minute(m, c) for m in (head - W, head].
const APPLY_LUA = `
local tag, field, seq = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('HGET', KEYS[1], 'ready') ~= '1' then return -1 end
local last = tonumber(redis.call('HGET', KEYS[2], field) or '0')
if last >= seq then return 0 end
-- Seqs are contiguous per partition: a gap means an older checkpoint is still unapplied.
if seq ~= last + 1 then return -2 end
local M = ${MINUTE_MS}
local W = {${ROLLING_WINDOWS.join(",")}}
local KEEP = ${MINUTES_KEPT}
local head = tonumber(redis.call('HGET', KEYS[1], 'head') or '0')
local maxm = head
for i = 4, #ARGV, 4 do local m = tonumber(ARGV[i]); if m > maxm then maxm = m end end

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

-- Key names per (minute, country), built once per call: most tuples share them.
local cache = {}
local function cellKeys(m, c)
  local ck = m .. '|' .. c
  local k = cache[ck]
  if not k then
    local ms = string.format('%d', m)
    k = { tag .. ':m:' .. ms .. ':*', tag .. ':m:' .. ms .. ':' .. c, {} }
    for _, w in ipairs(W) do
      if m > head - w * M then
        table.insert(k[3], wkey(w, '*'))
        table.insert(k[3], wkey(w, c))
      end
    end
    redis.call('SADD', tag .. ':mc:' .. ms, c)
    cache[ck] = k
  end
  return k
end
for i = 4, #ARGV, 4 do
  local m = tonumber(ARGV[i])
  if m > head - KEEP * M then
    local k = cellKeys(m, ARGV[i + 1])
    local ad, n = ARGV[i + 2], ARGV[i + 3]
    redis.call('ZINCRBY', k[1], n, ad)
    redis.call('ZINCRBY', k[2], n, ad)
    local ws = k[3]
    for j = 1, #ws do redis.call('ZINCRBY', ws[j], n, ad) end
  end
end
redis.call('HSET', KEYS[2], field, seq)
return 1`;

export type ApplyResult = "applied" | "already_applied" | "not_ready" | "gap";

declare module "ioredis" {
  interface RedisCommander<Context> {
    adclicksApply(meta: string, applied: string, ...args: (string | number)[]): Result<number, Context>;
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
 * Applies one checkpoint's deltas (flat [minute, country, ad, clicks]*) exactly once, and only
 * in seq order per partition ("gap" when an older checkpoint must be applied first).
 */
export async function applyDeltas(
  redis: Redis,
  keys: RedisKeys,
  consumer: string,
  partition: number,
  seq: number,
  deltas: (string | number)[],
): Promise<ApplyResult> {
  ensureCommands(redis);
  const r = await redis.adclicksApply(
    keys.meta,
    keys.applied,
    keys.tag,
    appliedField(consumer, partition),
    seq,
    ...deltas,
  );
  return r === 1 ? "applied" : r === 0 ? "already_applied" : r === -2 ? "gap" : "not_ready";
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
