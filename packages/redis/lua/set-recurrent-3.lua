--[[
  Makes messages recurrent: each is appended to its tube now (unless already
  waiting there) and scheduled to run again after the interval. Registering a
  message again changes its interval and restarts its schedule.

  KEYS[1]  recurrent   <prefix>recurrent            zset: "<rank>\t<tube>\n<message>" -> next run ms
  KEYS[2]  intervals   <prefix>recurrent:intervals  hash: member -> interval ms
  KEYS[3]  threads     <prefix>threads

  ARGV[1]  key prefix
  ARGV[2]  interval in milliseconds
  ARGV[3]  rank of the tube
  ARGV[4]  tube
  ARGV[5…] messages

  Returns the number of distinct messages registered.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local list = ARGV[1] .. 'q:' .. ARGV[4]
local seen = {}
local registered = 0
local appended = 0
for i = 5, #ARGV do
  local message = ARGV[i]
  if not seen[message] then
    seen[message] = true
    local member = ARGV[3] .. '\t' .. ARGV[4] .. '\n' .. message
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), member)
    redis.call('HSET', KEYS[2], member, ARGV[2])
    registered = registered + 1
    if not redis.call('LPOS', list, message) then
      redis.call('RPUSH', list, message)
      appended = appended + 1
    end
  end
end
if appended > 0 then
  local thread = string.match(ARGV[4], '^(.*)/[^/]*$')
  redis.call('ZADD', ARGV[1] .. 'p:' .. thread, ARGV[3], ARGV[4])
  redis.call('SADD', KEYS[3], thread)
end
return registered
