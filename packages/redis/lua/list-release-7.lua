--[[
  Settles failed deliveries. A position already settled, or of a delivery no
  longer in flight (its visibility lapsed and its messages went back), is
  ignored. The message id and its receives come from the delivery's own
  entries, not from the caller, and its body from the lease (list-get-8.lua);
  a message given back has its body (and trace context) stored in the bodies
  hash again. Modes:
  - 'uncharged': the handler never received them: back to the head of the list
    at once, in id order, and this delivery does not count as a receive;
  - 'charged': the failure counts; at maxReceiveCount receives the message goes
    to the dead letters, else it waits in the delayed set for its backoff
    (list-get-7.lua moves it back to the head when due); a delay of 0 puts it
    back at the head at once;
  - 'dead': to the dead letters now (a body that cannot be decoded).

  KEYS[1]  ready list    <key>
  KEYS[2]  bodies        {<key>}:bodies        hash: id -> body (of messages waiting)
  KEYS[3]  leases        {<key>}:leases        hash: "<delivery>" -> entries, "<delivery>!" -> settled bitmap,
                                               "<delivery>#" -> body lengths, "<delivery>$" -> bodies,
                                               "<delivery>t" -> trace contexts
  KEYS[4]  leased        {<key>}:leased        zset: delivery -> deadline ms
  KEYS[5]  delayed       {<key>}:delayed       zset: "\0<id>:<receives>" -> due ms
  KEYS[6]  counters      {<key>}:meta          hash: inflight (unsettled messages)
  KEYS[7]  dead letters  {<key>}:dead          list: '<JSON {id, error, receiveCount, at}>\n<body>'

  ARGV[1]  mode: 'charged', 'uncharged' or 'dead'
  ARGV[2]  maxReceiveCount (0: unlimited)
  ARGV[3]  the error, as text (kept with dead letters)
  ARGV[4…] groups, one per delivery: delivery, n, then n pairs: position,
           backoff delay in ms (read in 'charged' mode only)

  Returns {back at the head, delayed, dead-lettered}.
]]
local mode = ARGV[1]
local maxReceiveCount = tonumber(ARGV[2])
local reason = ARGV[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local back = {}
local waiting = 0
local dead = 0
local settledCount = 0

-- Gives the message back: its body (and trace context) in the bodies hash again.
local function restore(id, body, trace)
  redis.call('HSET', KEYS[2], id, body)
  if trace and trace ~= '' then
    redis.call('HSET', KEYS[2], 't' .. id, trace)
  end
end

local function settle(id, receives, receiveCount, delay, body, trace)
  if not body then
    -- A lease without its body: the entry goes back alone, and the next delivery dead-letters it
    -- as an id without a body (list-get-8.lua), never delivered as something else nor dropped unseen.
    back[#back + 1] = { tonumber(id), '\0' .. id .. ':' .. receives }
    return
  end
  if mode == 'uncharged' then
    restore(id, body, trace)
    if receives > 0 then
      back[#back + 1] = { tonumber(id), '\0' .. id .. ':' .. receives }
    else
      back[#back + 1] = { tonumber(id), '\0' .. id }
    end
  elseif mode == 'dead' or (maxReceiveCount > 0 and receiveCount >= maxReceiveCount) then
    local header = cjson.encode({ id = id, error = reason, receiveCount = receiveCount, at = now })
    redis.call('RPUSH', KEYS[7], header .. '\n' .. body)
    dead = dead + 1
  else
    restore(id, body, trace)
    local entry = '\0' .. id .. ':' .. receiveCount
    if delay > 0 then
      redis.call('ZADD', KEYS[5], string.format('%d', now + delay), entry)
      waiting = waiting + 1
    else
      back[#back + 1] = { tonumber(id), entry }
    end
  end
end

local i = 4
while i <= #ARGV do
  local delivery = ARGV[i]
  local n = tonumber(ARGV[i + 1])
  local lease = redis.call('HMGET', KEYS[3], delivery, delivery .. '!', delivery .. '#', delivery .. '$', delivery .. 't')
  local joined, bits = lease[1], lease[2]
  if bits and joined then
    local entries = {}
    for entry in string.gmatch(joined, '[^,]+') do
      entries[#entries + 1] = entry
    end
    -- Its bodies: body p (from 0) is bytes starts[p + 1] to starts[p + 2] - 1 of the blob.
    local blob = lease[4] or ''
    local starts = { 1 }
    for length in string.gmatch(lease[3] or '', '%d+') do
      starts[#starts + 1] = starts[#starts] + tonumber(length)
    end
    local traces = nil
    if lease[5] then
      traces = {}
      for trace in string.gmatch(lease[5] .. '\n', '([^\n]*)\n') do
        traces[#traces + 1] = trace
      end
    end
    local bytes = { string.byte(bits, 1, -1) }
    for j = i + 2, i + 2 * n, 2 do
      local position = tonumber(ARGV[j])
      local at = bit.rshift(position, 3) + 1
      local mask = bit.lshift(1, bit.band(position, 7))
      local byte = bytes[at]
      local entry = entries[position + 1]
      if byte and entry and bit.band(byte, mask) == 0 then
        bytes[at] = bit.bor(byte, mask)
        settledCount = settledCount + 1
        local colon = string.find(entry, ':', 2, true)
        local id, receives
        if colon then
          id, receives = string.sub(entry, 2, colon - 1), tonumber(string.sub(entry, colon + 1))
        else
          id, receives = string.sub(entry, 2), 0
        end
        local body = nil
        if starts[position + 2] then
          body = string.sub(blob, starts[position + 1], starts[position + 2] - 1)
        end
        settle(id, receives, receives + 1, tonumber(ARGV[j + 1]) or 0, body, traces and traces[position + 1])
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
      redis.call('HDEL', KEYS[3], delivery, delivery .. '!', delivery .. '#', delivery .. '$', delivery .. 't')
      redis.call('ZREM', KEYS[4], delivery)
    else
      redis.call('HSET', KEYS[3], delivery .. '!', string.char(unpack(bytes)))
    end
  end
  i = i + 2 + 2 * n
end

table.sort(back, function(x, y)
  return x[1] < y[1]
end)
for k = #back, 1, -1 do
  redis.call('LPUSH', KEYS[1], back[k][2])
end
if settledCount > 0 then
  redis.call('HINCRBY', KEYS[6], 'inflight', -settledCount)
end
return { #back, waiting, dead }
