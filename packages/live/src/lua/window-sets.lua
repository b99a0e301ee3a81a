-- The first part of every read script: the sets of the window of W minutes ending with the
-- minute E (the reader's clock), resolved in the same atomic step as the data is read. KEYS:
-- meta. ARGV: tag, E, W, country (or "*"), then the script's own. Minute sets up to the first
-- bucket boundary, then buckets, as windowSets in redis-keys.ts: the bucket holding E only if
-- it holds no minute after E (E is its last minute, or no minute after E has data: meta's head
-- is the newest minute with data), else that bucket's minutes up to E. A set's sorted part is
-- its top only (capped once it holds TOP_CAP ads); its hash holds every ad. The script returns
-- nil when the windows are not ready, or when the window reaches minutes the applies have
-- dropped already (a reader's clock more than the kept margin behind the writers'): Postgres
-- answers those.
local meta = redis.call('HMGET', KEYS[1], 'head', 'ready', 'clock')
if meta[2] ~= '1' then return nil end
local tag, E, W, c = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local head, clock = tonumber(meta[1] or '0'), tonumber(meta[3] or '0')
local M, B, CAP, KEEP = MINUTE_MS, BUCKET_MS, TOP_CAP, MINUTES_KEPT + KEPT_MARGIN_MINUTES
local first = E - (W - 1) * M
if first <= clock - KEEP * M then return nil end
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
local m = first
while m <= E and m % B ~= 0 do
  add('m', m)
  m = m + M
end
while m <= E and (m + B - M <= E or head <= E) do
  add('b', m)
  m = m + B
end
while m <= E do
  add('m', m)
  m = m + M
end
