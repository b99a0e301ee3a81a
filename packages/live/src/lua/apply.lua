-- Applies checkpoints' deltas to the live windows, exactly once (called by applyDeltas).
-- KEYS: meta, applied. ARGV: tag, n, the writer's clock (its minute, epoch ms), then n × (field,
-- fromSeq, toSeq), then the merged cells of those checkpoints in MinuteCounts' grouped format:
-- (minute, country, k, (ad, clicks) × k)*.
-- Applies all of it or nothing: every partition's last applied seq must be fromSeq - 1, else it
-- returns {-2, last₁, …, last_n} and the caller re-plans. Returns {-1} while not ready, {1} done.
-- A cell goes into its minute's and its bucket's sets, its country's and the all-countries one:
-- an increment of the set's hash, and of its top where the new total reaches it (the top's
-- lowest score is read once per call and followed as the top changes). The kept range follows
-- the clock, never the data: minutes after KEEP minutes before meta's clock (the newest writer's
-- clock seen), minutes ahead of the clock included (their clicks count once the clock gets
-- there); as the clock moves on, the minutes (and buckets, with their first minute) that leave
-- the kept range are unlinked, and cells for them are ignored. meta's head is the newest minute
-- with data, which the reads need (window-sets.lua). Applies commute (the top
-- keeps its contract whatever the order), so merging consecutive checkpoints changes nothing
-- but the cost.
local tag, np, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('HGET', KEYS[1], 'ready') ~= '1' then return {-1} end
local lasts, ok = {}, true
for p = 1, np do
  local b = 4 + (p - 1) * 3
  lasts[p] = tonumber(redis.call('HGET', KEYS[2], ARGV[b]) or '0')
  if lasts[p] ~= tonumber(ARGV[b + 1]) - 1 then ok = false end
end
if not ok then table.insert(lasts, 1, -2) return lasts end
local first = 4 + np * 3
local M, KEEP, TTL, B, CAP = MINUTE_MS, MINUTES_KEPT + KEPT_MARGIN_MINUTES, LIVE_TTL_MS, BUCKET_MS, TOP_CAP
local meta = redis.call('HMGET', KEYS[1], 'head', 'clock')
local head, clock = tonumber(meta[1] or '0'), tonumber(meta[2] or '0')
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
if now > clock then
  -- Kept so far: after `from` - KEEP minutes (windows written before meta had a clock kept the
  -- hour up to their head); from now on: after now - KEEP minutes. Nothing after head exists.
  local from = clock > 0 and clock or head
  if from > 0 then
    for m = from - (KEEP - 1) * M, math.min(now - KEEP * M, head), M do
      local ms = string.format('%d', m)
      drop('m', ms)
      if m % B == 0 then drop('b', ms) end
    end
  end
  redis.call('HSET', KEYS[1], 'clock', string.format('%d', now))
  clock = now
end
if maxm > head then
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
  if m > clock - KEEP * M then
    local ts = string.format('%d', m)
    local own, all = open(tag .. ':m', ts, c), total(tag .. ':m', ts)
    -- A bucket whose first minute has left is never read again: leave it gone.
    local b = m - m % B
    local bown, ball
    if b > clock - KEEP * M then
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
  local b = 4 + (p - 1) * 3
  redis.call('HSET', KEYS[2], ARGV[b], ARGV[b + 2])
end
redis.call('PEXPIRE', KEYS[1], TTL)
redis.call('PEXPIRE', KEYS[2], TTL)
return {1}
