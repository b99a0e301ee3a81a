-- Tie-aware top N of one sorted set: everything above the N-th score, then the smallest members
-- (byte order, as ZRANGEBYSCORE orders equal scores) at that score. At most N come back.
local function top_of_set(key, n)
  local head = redis.call('ZREVRANGE', key, 0, n - 1, 'WITHSCORES')
  if #head < 2 * n then return head end
  local nth = head[2 * n]
  local above = redis.call('ZRANGEBYSCORE', key, '(' .. nth, '+inf', 'WITHSCORES')
  local ties = redis.call('ZRANGEBYSCORE', key, nth, nth, 'WITHSCORES', 'LIMIT', 0, n - math.floor(#above / 2))
  for i = 1, #ties do above[#above + 1] = ties[i] end
  return above
end
