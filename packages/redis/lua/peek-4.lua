--[[
  Reads the first messages of a thread's most urgent non-empty tube without
  removing them. Tubes found empty leave the thread's priorities; a thread
  found empty leaves the threads index.

  KEYS[1]  priorities of the thread  <prefix>p:<thread>   zset: tube -> rank
  KEYS[2]  offsets                   <prefix>offsets      hash: tube -> messages ever removed
  KEYS[3]  threads index             <prefix>threads
  KEYS[4]  failures                  <prefix>failures     hash: tube -> "<head offset>:<failed attempts>"

  ARGV[1]  key prefix
  ARGV[2]  thread
  ARGV[3]  most messages to read

  Returns {tube, offset, {messages…}, failed attempts counted for the head},
  or nil when the thread is empty.
]]
while true do
  local tube = redis.call('ZREVRANGE', KEYS[1], 0, 0)[1]
  if not tube then
    redis.call('SREM', KEYS[3], ARGV[2])
    return false
  end
  local messages = redis.call('LRANGE', ARGV[1] .. 'q:' .. tube, 0, tonumber(ARGV[3]) - 1)
  if #messages > 0 then
    local offset = tonumber(redis.call('HGET', KEYS[2], tube) or '0')
    local failures = 0
    local stored = redis.call('HGET', KEYS[4], tube)
    if stored then
      local at, attempts = string.match(stored, '^(%d+):(%d+)$')
      if tonumber(at) == offset then failures = tonumber(attempts) end
    end
    return {tube, offset, messages, failures}
  end
  redis.call('ZREM', KEYS[1], tube)
end
