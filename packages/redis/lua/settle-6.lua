--[[
  Settles a peeked batch. Consumed messages are removed; failed ones stay at
  the head of the tube, in order. With a reason and a charged message, the
  failed attempt is counted for the head batch; at maxFailures the charged
  messages go to the dead letters and the uncharged failed ones stay at the
  head. A batch whose offset changed since it was peeked was settled by
  someone else (its reader lost its lock): nothing changes.

  KEYS[1]  tube list                 <prefix>q:<tube>
  KEYS[2]  offsets                   <prefix>offsets      hash: tube -> messages ever removed
  KEYS[3]  priorities of the thread  <prefix>p:<thread>
  KEYS[4]  threads index             <prefix>threads
  KEYS[5]  failures                  <prefix>failures     hash: tube -> "<head offset>:<failed attempts>"
  KEYS[6]  dead letters              <prefix>dead         list of JSON {tube, message, reason, failures, at}

  ARGV[1]  tube
  ARGV[2]  thread
  ARGV[3]  offset returned by peek
  ARGV[4]  batch size (the first messages of the tube)
  ARGV[5]  failure reason; '' does not count the failure
  ARGV[6]  maxFailures (0: never dead-letter)
  ARGV[7]  n, the number of failed indexes that follow
  ARGV[8…7+n]  indexes of the failed messages in the batch, 0-based, ascending
  ARGV[8+n…]   indexes of the charged ones among them (the failure counts only if there is one)

  Returns {stale (0|1), removed, failures, deadLettered}.
]]
local tube = ARGV[1]
local offset = tonumber(redis.call('HGET', KEYS[2], tube) or '0')
if offset ~= tonumber(ARGV[3]) then
  return {1, 0, 0, 0}
end
local count = math.min(tonumber(ARGV[4]), redis.call('LLEN', KEYS[1]))
local failedCount = tonumber(ARGV[7])
local charged = {}
for i = 8 + failedCount, #ARGV do
  charged[tonumber(ARGV[i])] = true
end
-- Failed messages that stay, and whether each is charged.
local kept = {}
local keptCharged = {}
local anyCharged = false
if failedCount > 0 then
  local batch = redis.call('LRANGE', KEYS[1], 0, count - 1)
  for i = 8, 7 + failedCount do
    local index = tonumber(ARGV[i])
    local message = batch[index + 1]
    if message then
      kept[#kept + 1] = message
      keptCharged[#kept] = charged[index] == true
      if charged[index] then anyCharged = true end
    end
  end
end
local removed = count - #kept
local failures = 0
local dead = 0
if anyCharged and ARGV[5] ~= '' then
  local head = offset + removed
  failures = 1
  local stored = redis.call('HGET', KEYS[5], tube)
  if stored then
    local at, attempts = string.match(stored, '^(%d+):(%d+)$')
    if tonumber(at) == head then failures = tonumber(attempts) + 1 end
  end
  local max = tonumber(ARGV[6])
  if max > 0 and failures >= max then
    local time = redis.call('TIME')
    local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
    local staying = {}
    for i = 1, #kept do
      if keptCharged[i] then
        redis.call('RPUSH', KEYS[6], cjson.encode({tube = tube, message = kept[i], reason = ARGV[5], failures = failures, at = now}))
        dead = dead + 1
      else
        staying[#staying + 1] = kept[i]
      end
    end
    kept = staying
    removed = removed + dead
    redis.call('HDEL', KEYS[5], tube)
  else
    redis.call('HSET', KEYS[5], tube, string.format('%d:%d', head, failures))
  end
elseif removed > 0 then
  redis.call('HDEL', KEYS[5], tube)
end
if removed > 0 then
  redis.call('LTRIM', KEYS[1], count, -1)
  for i = #kept, 1, -1 do
    redis.call('LPUSH', KEYS[1], kept[i])
  end
  redis.call('HINCRBY', KEYS[2], tube, removed)
  if redis.call('LLEN', KEYS[1]) == 0 then
    redis.call('ZREM', KEYS[3], tube)
    if redis.call('ZCARD', KEYS[3]) == 0 then
      redis.call('SREM', KEYS[4], ARGV[2])
    end
  end
end
return {0, removed, failures, dead}
