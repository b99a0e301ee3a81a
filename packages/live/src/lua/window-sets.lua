-- The first part of every read script: the window's sets, resolved from meta's head read in the
-- same atomic step as the data. KEYS: meta. ARGV: tag, minutes, country (or "*"), then the
-- script's own. Minute sets up to the first bucket boundary, then buckets (as windowSets in
-- redis-keys.ts). A set's sorted part is its top only (capped once it holds TOP_CAP ads); its
-- hash holds every ad. Returns nil (not ready) from the script when meta is not ready.
local meta = redis.call('HMGET', KEYS[1], 'head', 'ready')
if meta[2] ~= '1' or not meta[1] then return nil end
local head, tag, W, c = tonumber(meta[1]), ARGV[1], tonumber(ARGV[2]), ARGV[3]
local M, B, CAP = MINUTE_MS, BUCKET_MS, TOP_CAP
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
