--[[
  Runs due recurrent messages: appends each to its tube unless a previous run
  still waits there, and schedules its next run one interval later (never in
  the past: missed runs are not made up in a burst).

  KEYS[1]  recurrent   <prefix>recurrent            (see set-recurrent-3.lua)
  KEYS[2]  intervals   <prefix>recurrent:intervals
  KEYS[3]  threads     <prefix>threads

  ARGV[1]  key prefix
  ARGV[2]  most entries to run

  Returns {entries processed, milliseconds until the next is due or -1}.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #due, 2 do
  local member = due[i]
  local interval = tonumber(redis.call('HGET', KEYS[2], member))
  if not interval then
    redis.call('ZREM', KEYS[1], member)
  else
    local rank, tube, message = string.match(member, '^([^\t]+)\t([^\n]*)\n(.*)$')
    local list = ARGV[1] .. 'q:' .. tube
    if not redis.call('LPOS', list, message) then
      redis.call('RPUSH', list, message)
      local thread = string.match(tube, '^(.*)/[^/]*$')
      redis.call('ZADD', ARGV[1] .. 'p:' .. thread, rank, tube)
      redis.call('SADD', KEYS[3], thread)
    end
    local next = tonumber(due[i + 1]) + interval
    if next <= now then next = now + interval end
    redis.call('ZADD', KEYS[1], next, member)
  end
end
local next = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
local nextIn = -1
if next then nextIn = math.max(0, tonumber(next) - now) end
return {#due / 2, nextIn}
