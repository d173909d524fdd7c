--[[
  Sends dead letters of the sharded queue back to their tubes, oldest first:
  each message is appended at the tail of the tube it died in, and its thread is
  indexed again. Its failure count starts over (the count belongs to a tube's
  head, which the message no longer is). One call moves up to ARGV[2] entries
  atomically, so a redrive interrupted between calls loses nothing and moves
  nothing twice. Tube lists and priorities are derived from the entry (as
  promote-deferred-3.lua does).

  KEYS[1]  dead letters    <prefix>dead      list of JSON {tube, message, reason, failures, at}
  KEYS[2]  threads index   <prefix>threads   set of non-empty threads

  ARGV[1]  key prefix
  ARGV[2]  most entries to move in this call

  The tube's rank in its thread: its current one when the thread still has the
  tube, else its priority (the rank of a tube whose handler declares no
  `priorities`; a declared order is restored when the next request is registered).

  Returns the number of dead letters moved.
]]
local moved = 0
for _ = 1, tonumber(ARGV[2]) do
  local entry = redis.call('LPOP', KEYS[1])
  if not entry then
    break
  end
  local letter = cjson.decode(entry)
  local tube = letter.tube
  local thread = string.match(tube, '^(.*)/[^/]*$')
  local priorities = ARGV[1] .. 'p:' .. thread
  local rank = redis.call('ZSCORE', priorities, tube) or tonumber(string.match(tube, '/([^/]*)$')) or 0
  redis.call('RPUSH', ARGV[1] .. 'q:' .. tube, letter.message)
  redis.call('ZADD', priorities, rank, tube)
  redis.call('SADD', KEYS[2], thread)
  moved = moved + 1
end
return moved
