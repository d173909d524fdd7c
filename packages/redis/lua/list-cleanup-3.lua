--[[
  Acknowledges consumed deliveries: each position is marked settled in its
  delivery's bitmap; a delivery whose positions are all settled leaves the
  leased set and the leases hash, and its bodies with it (they moved into
  its lease when it was delivered, list-get-8.lua). A position already
  settled, or of a delivery no longer in flight (its visibility lapsed and its
  messages went back), is ignored: the message lives on elsewhere.

  Nothing here is per message: the caller sends, per delivery, the positions
  to settle as a bitmap, and the script ORs it into the lease's bitmap a byte
  at a time.

  KEYS[1]  leases        {<key>}:leases        hash: "<delivery>" -> entries, "<delivery>!" -> settled bitmap,
                                               "<delivery>#", "<delivery>$", "<delivery>t" -> its bodies
  KEYS[2]  leased        {<key>}:leased        zset: delivery -> deadline ms
  KEYS[3]  counters      {<key>}:meta          hash: inflight (unsettled messages)

  ARGV[1…] groups, one per delivery: delivery, n (positions set in the mask),
           mask (bytes; bit p of byte p >> 3, from the least significant, is position p)

  Returns the number of messages acknowledged.
]]
local band, bor, lshift = bit.band, bit.bor, bit.lshift
local byte, char = string.byte, string.char
local count = 0
for i = 1, #ARGV - 2, 3 do
  local delivery, n, mask = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local bits = redis.call('HGET', KEYS[1], delivery .. '!')
  if bits and n and n > 0 then
    local settled = { byte(bits, 1, -1) }
    local marks = { byte(mask, 1, -1) }
    local fresh = #marks <= #settled
    if fresh then
      for j = 1, #marks do
        if band(settled[j], marks[j]) ~= 0 then
          fresh = false
          break
        end
      end
    end
    if fresh then
      -- The common case: every position is new.
      for j = 1, #marks do
        settled[j] = bor(settled[j], marks[j])
      end
      count = count + n
    else
      -- Some were settled before (or lie past the delivery's end: their padding bits are set).
      for j = 1, math.min(#marks, #settled) do
        local new = band(marks[j], 255 - settled[j])
        if new ~= 0 then
          settled[j] = bor(settled[j], new)
          for b = 0, 7 do
            if band(new, lshift(1, b)) ~= 0 then
              count = count + 1
            end
          end
        end
      end
    end
    local all = true
    for j = 1, #settled do
      if settled[j] ~= 255 then
        all = false
        break
      end
    end
    if all then
      redis.call('HDEL', KEYS[1], delivery, delivery .. '!', delivery .. '#', delivery .. '$', delivery .. 't')
      redis.call('ZREM', KEYS[2], delivery)
    else
      redis.call('HSET', KEYS[1], delivery .. '!', char(unpack(settled)))
    end
  end
end
if count > 0 then
  redis.call('HINCRBY', KEYS[3], 'inflight', -count)
end
return count
