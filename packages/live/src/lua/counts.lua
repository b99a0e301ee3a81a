-- Clicks of each given ad over a window (after window-sets.lua). ARGV after window-sets.lua's:
-- the ads. Returns {head, clicks of each ad in order}.
local out = {string.format('%d', head)}
if #ARGV < 4 then return out end
for j = 4, #ARGV do out[j - 2] = 0 end
for x = 1, #keys do
  local scores = redis.call('HMGET', hashes[x], unpack(ARGV, 4))
  for j = 1, #scores do
    if scores[j] then out[j + 1] = out[j + 1] + tonumber(scores[j]) end
  end
end
return out
