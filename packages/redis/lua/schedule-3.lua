--[[
  Schedules messages to be appended to a tube after a delay, measured on the
  Redis clock with millisecond precision. Entries due at the same time keep
  their registration order (the member starts with a zero-padded sequence).

  KEYS[1]  deferred        <prefix>deferred       zset: "<seq>\t<ifNotExists>\t<rank>\t<tube>\n<message>" -> due ms
  KEYS[2]  sequence        <prefix>deferred:seq
  KEYS[3]  deferred keys   <prefix>deferred:keys  hash: "<tube>\n<message>" -> times scheduled

  ARGV[1]  delay in milliseconds
  ARGV[2]  '1' for ifNotExists: skip a message already scheduled for the tube
           (and, when due, append it only if it is not waiting there)
  ARGV[3]  rank of the tube
  ARGV[4]  tube
  ARGV[5…] messages, in order

  Returns the number of messages scheduled.
]]
local time = redis.call('TIME')
local due = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
local scheduled = 0
for i = 5, #ARGV do
  local key = ARGV[4] .. '\n' .. ARGV[i]
  if ARGV[2] ~= '1' or redis.call('HEXISTS', KEYS[3], key) == 0 then
    local sequence = redis.call('INCR', KEYS[2])
    redis.call('ZADD', KEYS[1], due, string.format('%015d', sequence) .. '\t' .. ARGV[2] .. '\t' .. ARGV[3] .. '\t' .. key)
    redis.call('HINCRBY', KEYS[3], key, 1)
    scheduled = scheduled + 1
  end
end
return scheduled
