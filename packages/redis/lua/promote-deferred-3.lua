--[[
  Moves due deferred messages to the tail of their tubes, in due order (then
  registration order), and indexes their threads.

  KEYS[1]  deferred        <prefix>deferred       (see schedule-3.lua)
  KEYS[2]  deferred keys   <prefix>deferred:keys
  KEYS[3]  threads index   <prefix>threads

  ARGV[1]  key prefix (tube lists and priorities are derived from the member)
  ARGV[2]  most entries to move

  Returns {entries processed, milliseconds until the next is due or -1}.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(members) do
  local flag, rank, tube, message = string.match(member, '^%d+\t([01])\t([^\t]+)\t([^\n]*)\n(.*)$')
  local key = tube .. '\n' .. message
  if redis.call('HINCRBY', KEYS[2], key, -1) <= 0 then
    redis.call('HDEL', KEYS[2], key)
  end
  local list = ARGV[1] .. 'q:' .. tube
  if flag ~= '1' or not redis.call('LPOS', list, message) then
    redis.call('RPUSH', list, message)
    local thread = string.match(tube, '^(.*)/[^/]*$')
    redis.call('ZADD', ARGV[1] .. 'p:' .. thread, rank, tube)
    redis.call('SADD', KEYS[3], thread)
  end
end
for i = 1, #members, 4000 do
  redis.call('ZREM', KEYS[1], unpack(members, i, math.min(i + 3999, #members)))
end
local next = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
local nextIn = -1
if next then nextIn = math.max(0, tonumber(next) - now) end
return {#members, nextIn}
