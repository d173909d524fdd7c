--[[
  Renews the visibility of deliveries still in flight: each gets a new deadline
  of now + the visibility timeout (Redis clock). A delivery no longer in the
  leased set (settled, or lapsed and given back) is left alone.

  KEYS[1]  leased        {<key>}:leased        zset: delivery -> deadline ms

  ARGV[1]  visibility timeout in milliseconds
  ARGV[2…] delivery numbers

  Returns the number of deliveries renewed.
]]
local time = redis.call('TIME')
local deadline = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', deadline, ARGV[i])
end
return renewed
