--[[
  Appends messages at the tail of a tube and indexes its thread as non-empty.

  KEYS[1]  tube list                 <prefix>q:<tube>
  KEYS[2]  priorities of the thread  <prefix>p:<thread>   zset: tube -> rank
  KEYS[3]  threads index             <prefix>threads      set of non-empty threads

  ARGV[1]  tube       <handler>/<thread>/<priority>
  ARGV[2]  thread     <handler>/<thread>
  ARGV[3]  rank       order of the tube in its thread (highest first)
  ARGV[4]  '1' to skip a message already waiting in the tube or earlier in this call
  ARGV[5…] messages, in order

  Returns the number of messages added.
]]
local list = KEYS[1]
local added = 0
if ARGV[4] == '1' then
  local seen = {}
  for i = 5, #ARGV do
    local message = ARGV[i]
    if not seen[message] then
      seen[message] = true
      if not redis.call('LPOS', list, message) then
        redis.call('RPUSH', list, message)
        added = added + 1
      end
    end
  end
else
  -- unpack() has a stack limit: push in slices.
  for i = 5, #ARGV, 4000 do
    redis.call('RPUSH', list, unpack(ARGV, i, math.min(i + 3999, #ARGV)))
  end
  added = #ARGV - 4
end
if added > 0 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
  redis.call('SADD', KEYS[3], ARGV[2])
end
return added
