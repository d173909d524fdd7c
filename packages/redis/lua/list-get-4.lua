--[[
  Delivers up to max messages of a list at least once: each moves to the
  processing set with a deadline. Deliveries whose deadline passed (their
  consumer died) first go back to the head of the list, oldest first.

  KEYS[1]  ready list        <key>
  KEYS[2]  processing        <key>:processing  zset: "<delivery id>:<message>" -> deadline ms
  KEYS[3]  delivery counter  <key>:deliveries
  KEYS[4]  receive counts    <key>:receives    hash: message -> deliveries so far

  ARGV[1]  visibility timeout in milliseconds
  ARGV[2]  most messages to deliver
  ARGV[3]  most expired deliveries to recover in this call

  Returns {receipt, receive count, receipt, receive count, …}; a receipt is the
  processing member ("<delivery id>:<message>").
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
if #expired > 0 then
  for i = 1, #expired, 4000 do
    redis.call('ZREM', KEYS[2], unpack(expired, i, math.min(i + 3999, #expired)))
  end
  for i = #expired, 1, -1 do
    redis.call('LPUSH', KEYS[1], string.sub(expired[i], 17))
  end
end
local messages = redis.call('LPOP', KEYS[1], tonumber(ARGV[2]))
if not messages then
  return {}
end
local first = redis.call('INCRBY', KEYS[3], #messages) - #messages
local deadline = now + tonumber(ARGV[1])
local result = {}
local members = {}
for i, message in ipairs(messages) do
  local receipt = string.format('%015d', first + i) .. ':' .. message
  members[#members + 1] = deadline
  members[#members + 1] = receipt
  result[#result + 1] = receipt
  result[#result + 1] = redis.call('HINCRBY', KEYS[4], message, 1)
end
for i = 1, #members, 4000 do
  redis.call('ZADD', KEYS[2], unpack(members, i, math.min(i + 3999, #members)))
end
return result
