// Reads of the Redis live windows (see redis-keys.ts): a window of M minutes is the sum of its
// minute and bucket sets (at most 16), never materialized. Top N over it is exact by the
// threshold algorithm (Fagin): read the top k of every set, sum the candidates' exact scores over
// all sets, and stop once the N-th candidate beats the largest total any unread ad could have
// (the sum of each set's k-th score). Click traffic is skewed, so k = 2N nearly always suffices;
// flat traffic grows k, and past a budget (or the tops' cap) the sets are summed (exact, slower).
import { type AdCount, topN } from "@adclicks/core";
import type { ChainableCommander, Redis, Result } from "ioredis";
import { ALL_COUNTRIES, BUCKET_MS, MINUTES_KEPT, type RedisKeys, TOP_CAP, windowSets } from "../redis-keys";
import { MINUTE_MS } from "./types";

// Resolves the window's sets from meta's head, read in the same atomic step as the data: minute
// sets up to the first bucket boundary, then buckets (as windowSets in redis-keys.ts). A set's
// sorted part is its top only (capped once it holds TOP_CAP ads); its hash holds every ad.
const WINDOW_KEYS_LUA = `
local meta = redis.call('HMGET', KEYS[1], 'head', 'ready')
if meta[2] ~= '1' or not meta[1] then return nil end
local head, tag, W, c = tonumber(meta[1]), ARGV[1], tonumber(ARGV[2]), ARGV[3]
local M, B, CAP = ${MINUTE_MS}, ${BUCKET_MS}, ${TOP_CAP}
local keys, cards, hashes, capped = {}, {}, {}, {}
local function add(kind, t)
  local ts = string.format('%d', t)
  local key = tag .. ':' .. kind .. ':' .. ts .. ':' .. c
  local card = redis.call('ZCARD', key)
  if card > 0 then
    local x = #keys + 1
    keys[x], cards[x] = key, card
    hashes[x] = tag .. ':' .. kind .. 'h:' .. ts .. ':' .. c
    capped[x] = card >= CAP
  end
end
local m = head - (W - 1) * M
while m <= head and m % B ~= 0 do
  add('m', m)
  m = m + M
end
while m <= head do
  add('b', m)
  m = m + B
end
`;

// Tie-aware top N of one sorted set: everything above the N-th score, then the smallest members
// (byte order, as ZRANGEBYSCORE orders equal scores) at that score. At most N come back.
const TOP_OF_SET_LUA = `
local function top_of_set(key, n)
  local head = redis.call('ZREVRANGE', key, 0, n - 1, 'WITHSCORES')
  if #head < 2 * n then return head end
  local nth = head[2 * n]
  local above = redis.call('ZRANGEBYSCORE', key, '(' .. nth, '+inf', 'WITHSCORES')
  local ties = redis.call('ZRANGEBYSCORE', key, nth, nth, 'WITHSCORES', 'LIMIT', 0, n - math.floor(#above / 2))
  for i = 1, #ties do above[#above + 1] = ties[i] end
  return above
end
`;

/** Score lookups (candidates × sets) one threshold round may cost before summing the sets is cheaper. */
export const LOOKUP_BUDGET = 2_000_000;

// KEYS: meta. ARGV: tag, minutes, country (or "*"), n, lookup budget. Returns nil when the
// windows are not ready, else {how, k, (ad, clicks) pairs…}: the top N and every ad tied with the
// N-th, unsorted; how = "one" (a single set), "threshold" (k = the depth read) or "union".
// A capped top bounds the ads outside it by its lowest score: read to its end, it still adds
// that to the bound, and when that bound is not beaten only the sum of the hashes tells.
const TOP_N_LUA = `${WINDOW_KEYS_LUA}${TOP_OF_SET_LUA}
local n, budget = tonumber(ARGV[4]), tonumber(ARGV[5])
local function tagged(how, k, pairs)
  table.insert(pairs, 1, k)
  table.insert(pairs, 1, how)
  return pairs
end
if #keys == 0 then return {'one', 0} end
if #keys == 1 and not capped[1] then return tagged('one', n, top_of_set(keys[1], n)) end
local k = math.max(2 * n, 64)
while true do
  -- Sum what each set's top k shows; then look up each candidate only in the sets whose top k
  -- missed it (popular ads are in most of them, so that is a small share of candidates × sets).
  local total, list, shown = {}, {}, {}
  local bound, complete = 0, true
  for x, key in ipairs(keys) do
    local items = redis.call('ZREVRANGE', key, 0, k - 1, 'WITHSCORES')
    local mine = {}
    for j = 1, #items, 2 do
      local ad, s = items[j], tonumber(items[j + 1])
      mine[ad] = true
      local t = total[ad]
      if t == nil then
        list[#list + 1] = ad
        total[ad] = s
      else
        total[ad] = t + s
      end
    end
    shown[x] = mine
    if cards[x] > k or capped[x] then
      bound = bound + tonumber(items[#items])
      complete = false
    end
  end
  if #list * #keys > budget then break end
  if not complete then
    for x = 1, #keys do
      local mine, missing = shown[x], {}
      for j = 1, #list do
        if not mine[list[j]] then missing[#missing + 1] = list[j] end
      end
      for s = 1, #missing, 4000 do
        local last = math.min(s + 3999, #missing)
        local scores = redis.call('HMGET', hashes[x], unpack(missing, s, last))
        for j = 1, #scores do
          if scores[j] then
            local ad = missing[s + j - 1]
            total[ad] = total[ad] + tonumber(scores[j])
          end
        end
      end
    end
  end
  local sorted = {}
  for j = 1, #list do sorted[j] = total[list[j]] end
  table.sort(sorted, function(a, b) return a > b end)
  local nth = sorted[math.min(n, #sorted)]
  -- Strictly above the bound: an unread ad tied with the N-th could sort before it by ad_id.
  if complete or nth > bound then
    local out = {}
    for j = 1, #list do
      if total[list[j]] >= nth then
        out[#out + 1] = list[j]
        out[#out + 1] = total[list[j]]
      end
    end
    return tagged('threshold', k, out)
  end
  -- Reading deeper helps only while some sorted set has more than was read.
  local deeper = false
  for x = 1, #keys do
    if cards[x] > k then deeper = true end
  end
  if not deeper then break end
  k = k * 4
end
-- A capped top is not its whole set: copy that set's hash into a sorted set, and add them up.
local tmp, parts, copies = ARGV[1] .. ':tmp:top', {}, {}
for x = 1, #keys do
  parts[x] = keys[x]
  if capped[x] then
    parts[x] = tmp .. ':' .. x
    copies[#copies + 1] = parts[x]
    redis.call('UNLINK', parts[x])
    local cursor = '0'
    repeat
      local r = redis.call('HSCAN', hashes[x], cursor, 'COUNT', 2000)
      cursor = r[1]
      -- HSCAN may return a field twice: ZADD sets its score again, to the same value.
      for s = 1, #r[2], 4000 do
        local args = {}
        for j = s, math.min(s + 3999, #r[2]), 2 do
          args[#args + 1] = r[2][j + 1]
          args[#args + 1] = r[2][j]
        end
        redis.call('ZADD', parts[x], unpack(args))
      end
    until cursor == '0'
  end
end
redis.call('ZUNIONSTORE', tmp, #parts, unpack(parts))
local out = top_of_set(tmp, n)
redis.call('UNLINK', tmp, unpack(copies))
return tagged('union', k, out)`;

// KEYS: meta. ARGV: tag, minutes, country (or "*"), ad. Nil when not ready, else the ad's clicks.
const COUNT_LUA = `${WINDOW_KEYS_LUA}
local sum = 0
for x = 1, #keys do
  local s = redis.call('HGET', hashes[x], ARGV[4])
  if s then sum = sum + tonumber(s) end
end
return sum`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    adclicksLiveTopN(
      meta: string,
      tag: string,
      minutes: number,
      country: string,
      n: number,
      budget: number,
    ): Result<(string | number)[] | null, Context>;
    adclicksLiveCount(
      meta: string,
      tag: string,
      minutes: number,
      country: string,
      adId: string,
    ): Result<number | null, Context>;
  }
}

/** Registers the read scripts (sent as EVALSHA; ioredis loads them once per connection). */
export function defineLiveReads(redis: Redis): void {
  if (typeof (redis as Partial<Redis>).adclicksLiveTopN === "function") return;
  redis.defineCommand("adclicksLiveTopN", { numberOfKeys: 1, lua: TOP_N_LUA });
  redis.defineCommand("adclicksLiveCount", { numberOfKeys: 1, lua: COUNT_LUA });
}

/** Whether the live windows hold a "last M minutes" window. */
export function isLiveWindow(minutes: number): boolean {
  return Number.isInteger(minutes) && minutes >= 1 && minutes <= MINUTES_KEPT;
}

export interface LiveWindow {
  minutes: number;
  /** A country code, or undefined for all countries. */
  country: string | undefined;
}

/**
 * Queues the exact top N of a live window; `parseTopNReply` reads its reply. The MULTI must come
 * from a connection that had `defineLiveReads` before it was created.
 */
export function queueLiveTopN(
  m: ChainableCommander,
  keys: RedisKeys,
  w: LiveWindow,
  n: number,
  budget = LOOKUP_BUDGET,
): ChainableCommander {
  return m.adclicksLiveTopN(keys.meta, keys.tag, w.minutes, w.country ?? ALL_COUNTRIES, n, budget);
}

/** Queues one ad's clicks over a live window (nil when not ready); see `queueLiveTopN`. */
export function queueLiveCount(
  m: ChainableCommander,
  keys: RedisKeys,
  w: LiveWindow,
  adId: string,
): ChainableCommander {
  return m.adclicksLiveCount(keys.meta, keys.tag, w.minutes, w.country ?? ALL_COUNTRIES, adId);
}

export interface LiveTopN {
  ads: AdCount[];
  /** How it was computed: one minute set, the threshold algorithm (read `depth` deep), or a union. */
  how: "one" | "threshold" | "union";
  depth: number;
}

/** The exact top N (count desc, ad_id asc) from a top-N reply; null when the windows were not ready. */
export function parseTopNReply(reply: unknown, n: number): LiveTopN | null {
  if (reply === null || reply === undefined) return null;
  const [how, depth, ...flat] = reply as (string | number)[];
  const pairs: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([String(flat[i]), Number(flat[i + 1])]);
  return { ads: topN(pairs, n), how: how as LiveTopN["how"], depth: Number(depth) };
}

/** The exact top N of a live window in one call (null when the windows are not ready). */
export async function readLiveTopN(
  redis: Redis,
  keys: RedisKeys,
  w: LiveWindow,
  n: number,
  budget = LOOKUP_BUDGET,
): Promise<LiveTopN | null> {
  defineLiveReads(redis);
  return parseTopNReply(
    await redis.adclicksLiveTopN(keys.meta, keys.tag, w.minutes, w.country ?? ALL_COUNTRIES, n, budget),
    n,
  );
}

/**
 * Clicks of each given ad over the live window of `minutes` ending with `headMs` (a scoped
 * caller's catalogue). Not atomic with the window's head: the caller resolved the range already.
 */
export async function liveCountsOfAds(
  redis: Redis,
  keys: RedisKeys,
  w: LiveWindow & { headMs: number },
  adIds: readonly string[],
): Promise<Map<string, number>> {
  const sets = windowSets(w.headMs, w.minutes);
  const hashes = [
    ...sets.minutes.map((m) => keys.minuteHash(m, w.country)),
    ...sets.buckets.map((b) => keys.bucketHash(b, w.country)),
  ];
  const totals = new Map<string, number>();
  const CHUNK = 1000;
  for (let i = 0; i < adIds.length; i += CHUNK) {
    const ids = adIds.slice(i, i + CHUNK);
    const pipe = redis.pipeline();
    for (const key of hashes) pipe.hmget(key, ...ids);
    for (const [err, scores] of (await pipe.exec()) ?? []) {
      if (err) throw err;
      (scores as (string | null)[]).forEach((s, j) => {
        if (s === null) return;
        const id = ids[j] as string;
        totals.set(id, (totals.get(id) ?? 0) + Number(s));
      });
    }
  }
  return totals;
}
