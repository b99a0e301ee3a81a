-- The exact top N over a window (after window-sets.lua and top-of-set.lua): the threshold
-- algorithm over the sets' tops. ARGV after window-sets.lua's: n, lookup budget. Returns
-- {how, k, (ad, clicks) pairs…}: the top N and every ad tied with the N-th, unsorted; how =
-- "one" (a single set), "threshold" (k = the depth read) or "union". A capped top bounds the ads
-- outside it by its lowest score: read to its end, it still adds that to the bound, and when that
-- bound is not beaten only the sum of the hashes tells.
local n, budget = tonumber(ARGV[5]), tonumber(ARGV[6])
local function tagged(how, k, pairs)
  table.insert(pairs, 1, k)
  table.insert(pairs, 1, how)
  return pairs
end
if #keys == 0 then return tagged('one', 0, {}) end
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
return tagged('union', k, out)
