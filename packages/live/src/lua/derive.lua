-- Rebuilds a minute's or bucket's hash and top from sorted sets of clicks (deriveLiveSets).
-- KEYS: the top, its hash, a scratch key, then the sorted sets whose sum the set is.
local CAP, TTL = TOP_CAP, LIVE_TTL_MS
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
return n
