--[[
  Acknowledges consumed deliveries: they leave the processing set for good.
  A receipt no longer in the set (its delivery expired and went back) is ignored.

  KEYS[1]  processing        <key>:processing
  KEYS[2]  receive counts    <key>:receives

  ARGV[1…] receipts

  Returns the number of deliveries acknowledged.
]]
local removed = 0
for i = 1, #ARGV do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then
    removed = removed + 1
    redis.call('HDEL', KEYS[2], string.sub(ARGV[i], 17))
  end
end
return removed
