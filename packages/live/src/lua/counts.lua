-- Clicks of each given ad over a window (after window-sets.lua). ARGV after window-sets.lua's:
-- the ads. Returns their clicks, in order.
local out = {}
if #ARGV < 5 then return out end
for j = 5, #ARGV do out[j - 4] = 0 end
for x = 1, #keys do
  local scores = redis.call('HMGET', hashes[x], unpack(ARGV, 5))
  for j = 1, #scores do
    if scores[j] then out[j] = out[j] + tonumber(scores[j]) end
  end
end
return out
