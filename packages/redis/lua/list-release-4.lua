--[[
  Gives failed deliveries back: to the head of the list in their order, or
  to the dead letters once delivered maxReceiveCount times.
  A receipt no longer in the processing set is ignored.

  KEYS[1]  ready list        <key>
  KEYS[2]  processing        <key>:processing
  KEYS[3]  receive counts    <key>:receives
  KEYS[4]  dead letters      <key>:dead         list of JSON {message, reason, receives, at}

  ARGV[1]  maxReceiveCount (0: unlimited)
  ARGV[2]  failure reason
  ARGV[3…] receipts, in delivery order

  Returns {released, deadLettered}.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local max = tonumber(ARGV[1])
local back = {}
local dead = 0
for i = 3, #ARGV do
  if redis.call('ZREM', KEYS[2], ARGV[i]) == 1 then
    local message = string.sub(ARGV[i], 17)
    local receives = tonumber(redis.call('HGET', KEYS[3], message) or '0')
    if max > 0 and receives >= max then
      redis.call('RPUSH', KEYS[4], cjson.encode({message = message, reason = ARGV[2], receives = receives, at = now}))
      redis.call('HDEL', KEYS[3], message)
      dead = dead + 1
    else
      back[#back + 1] = message
    end
  end
end
for i = #back, 1, -1 do
  redis.call('LPUSH', KEYS[1], back[i])
end
return {#back, dead}
