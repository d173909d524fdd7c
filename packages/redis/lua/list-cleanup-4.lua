--[[
  Acknowledges consumed deliveries: each position is marked settled in its
  delivery's bitmap and its message's body is deleted; a delivery whose
  positions are all settled leaves the processing set and the leases hash.
  A position already settled, or of a delivery no longer in flight (its
  visibility lapsed and its messages went back), is ignored, and its body
  kept: the message lives on elsewhere.

  KEYS[1]  bodies        {<key>}:bodies        hash: id -> body
  KEYS[2]  leases        {<key>}:leases        hash: "<delivery>" -> entries, "<delivery>!" -> settled bitmap
  KEYS[3]  processing    {<key>}:processing    zset: delivery -> deadline ms
  KEYS[4]  counters      {<key>}:meta          hash: inflight (unsettled messages), traced (trace fields "t<id>" exist)

  ARGV[1]  the receipts "<delivery>:<position>:<id>" joined by ',' (one argument, not
           two a message: the client encodes one string, and the server parses the
           arguments of a call of thousands of messages no slower)

  Returns the number of messages acknowledged.
]]
local band, bor, lshift, rshift = bit.band, bit.bor, bit.lshift, bit.rshift
-- Receipts grouped by delivery, in first-seen order: position, id, position, id, …
-- Each matched whole, in one pass: a receipt starts right after a ',' (one is put before
-- the first) and its id runs to the next, so a string that only contains a receipt settles nothing.
local groups = {}
local order = {}
for delivery, position, id in string.gmatch(',' .. ARGV[1], ',(%d+):(%d+):([^,]+)') do
  local group = groups[delivery]
  if not group then
    group = {}
    groups[delivery] = group
    order[#order + 1] = delivery
  end
  group[#group + 1] = tonumber(position)
  group[#group + 1] = id
end
local acknowledged = {}
local count = 0
for _, delivery in ipairs(order) do
  local group = groups[delivery]
  local bits = redis.call('HGET', KEYS[2], delivery .. '!')
  if bits then
    local bytes = { string.byte(bits, 1, -1) }
    for j = 1, #group, 2 do
      local position = group[j]
      local at = rshift(position, 3) + 1
      local mask = lshift(1, band(position, 7))
      local byte = bytes[at]
      if byte and band(byte, mask) == 0 then
        bytes[at] = bor(byte, mask)
        count = count + 1
        acknowledged[count] = group[j + 1]
      end
    end
    local settled = true
    for _, byte in ipairs(bytes) do
      if byte ~= 255 then
        settled = false
        break
      end
    end
    if settled then
      redis.call('HDEL', KEYS[2], delivery, delivery .. '!')
      redis.call('ZREM', KEYS[3], delivery)
    else
      redis.call('HSET', KEYS[2], delivery .. '!', string.char(unpack(bytes)))
    end
  end
end
-- Trace contexts (list-send-3.lua) go with their bodies.
local fields = count
if count > 0 and redis.call('HEXISTS', KEYS[4], 'traced') == 1 then
  for k = 1, count do
    acknowledged[count + k] = 't' .. acknowledged[k]
  end
  fields = count * 2
end
for k = 1, fields, 4000 do
  redis.call('HDEL', KEYS[1], unpack(acknowledged, k, math.min(k + 3999, fields)))
end
if count > 0 then
  redis.call('HINCRBY', KEYS[4], 'inflight', -count)
end
return count
