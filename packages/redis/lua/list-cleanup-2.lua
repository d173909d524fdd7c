--[[
  Acknowledges consumed deliveries: their receipts leave the processing set and
  their bodies are deleted. A receipt no longer in the set (its delivery was
  settled before, or its visibility lapsed and the message went back) is
  ignored, and its body kept: the message lives on under a newer delivery.

  KEYS[1]  processing   {<key>}:processing  zset: receipt "<delivery>:<id>:<receive count>" -> deadline ms
  KEYS[2]  bodies       {<key>}:bodies      hash: id -> body

  ARGV[1…] receipts

  Returns the number of deliveries acknowledged.
]]
local acknowledged = 0
for i = 1, #ARGV, 4000 do
  local last = math.min(i + 3999, #ARGV)
  local scores = redis.call('ZMSCORE', KEYS[1], unpack(ARGV, i, last))
  local receipts = {}
  local ids = {}
  for k = 1, last - i + 1 do
    if scores[k] then
      local receipt = ARGV[i + k - 1]
      local a = string.find(receipt, ':', 1, true)
      local b = string.find(receipt, ':', a + 1, true)
      receipts[#receipts + 1] = receipt
      ids[#ids + 1] = string.sub(receipt, a + 1, b - 1)
    end
  end
  if #receipts > 0 then
    redis.call('ZREM', KEYS[1], unpack(receipts))
    redis.call('HDEL', KEYS[2], unpack(ids))
    acknowledged = acknowledged + #receipts
  end
end
return acknowledged
