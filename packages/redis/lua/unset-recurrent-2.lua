--[[
  Stops recurrent messages; a run already waiting in the tube stays.

  KEYS[1]  recurrent   <prefix>recurrent
  KEYS[2]  intervals   <prefix>recurrent:intervals

  ARGV[1]  rank of the tube
  ARGV[2]  tube
  ARGV[3…] messages

  Returns the number of messages that were recurrent.
]]
local removed = 0
for i = 3, #ARGV do
  local member = ARGV[1] .. '\t' .. ARGV[2] .. '\n' .. ARGV[i]
  removed = removed + redis.call('ZREM', KEYS[1], member)
  redis.call('HDEL', KEYS[2], member)
end
return removed
