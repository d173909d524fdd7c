--[[
  Delivers up to max messages, at least once, as one delivery (a lease).
  First, in the same call:
  - deliveries whose visibility lapsed (their consumer died) give back their
    unsettled messages to the head of the list, in id order; that delivery
    counts as a receive, so a message at maxReceiveCount goes to the dead
    letters instead (at most 8 lapsed deliveries a call);
  - released messages whose backoff is over move from the delayed set to the
    head of the list, earliest due first (at most max a call).
  Then it pops up to max entries from the head of the list. An entry is an id
  entry "\0<id>" or "\0<id>:<receives>" (receives counted so far), or a raw
  body that a producer RPUSHed: raw bodies never start with 0x00, and are
  adopted on their first delivery (given an id, body stored once). An id entry
  whose body is missing (a raw body that broke that rule, or a deleted bodies
  hash) is dead-lettered with itself as the body, never delivered.

  The delivery is recorded once, not per message: its number in the leased
  set (scored by its deadline), and in the leases hash its entries joined by
  ',' (field "<delivery>"), a bitmap of its settled positions ("<delivery>!",
  bit p set once position p is settled; the padding bits are set), and its
  bodies: their lengths joined by ',' ("<delivery>#") and their bytes one after
  the other ("<delivery>$"), moved out of the bodies hash, so that a cleanup
  only flips bits (list-cleanup-3.lua) and drops the lease once all are set;
  trace contexts move likewise to "<delivery>t". A message given back (a lapse,
  a release) has its body stored in the bodies hash again. A receipt
  "<delivery>:<position>:<id>" is current while its delivery is in the
  leased set and its bit is clear.

  Deliveries made by @conveyor/redis 0.1 are in the processing set, their
  bodies in the bodies hash: nothing adds to it now, and one that lapses is
  still given back (a consumer of that version never sees the leased set,
  so it never gives back a lease whose bodies it cannot find).

  Receive counts: this delivery's receive count is the entry's receives + 1.
  Settling decides whether it counted (list-release-7.lua): a charged failure
  or a lapsed visibility keeps it, an uncharged release takes it back.

  KEYS[1]  ready list    <key>                 entries: "\0<id>[:<receives>]" or raw bodies
  KEYS[2]  bodies        {<key>}:bodies        hash: id -> body (of messages waiting)
  KEYS[3]  processing    {<key>}:processing    zset: delivery -> deadline ms (0.1's deliveries)
  KEYS[4]  leases        {<key>}:leases        hash: "<delivery>" -> entries, "<delivery>!" -> settled bitmap,
                                               "<delivery>#" -> body lengths, "<delivery>$" -> bodies,
                                               "<delivery>t" -> trace contexts
  KEYS[5]  delayed       {<key>}:delayed       zset: "\0<id>:<receives>" -> due ms
  KEYS[6]  counters      {<key>}:meta          hash: ids, deliveries (last given), inflight (unsettled messages)
  KEYS[7]  dead letters  {<key>}:dead          list: '<JSON {id, error, receiveCount, at}>\n<body>'
  KEYS[8]  leased        {<key>}:leased        zset: delivery -> deadline ms

  ARGV[1]  visibility timeout, ms
  ARGV[2]  most messages to deliver
  ARGV[3]  maxReceiveCount (0: unlimited)
  ARGV[4]  most bytes of bodies a delivery holds (at least one message is delivered): the
           entries past them go back to the head of the list, untouched (the lease keeps the
           bodies as one value)

  Returns {} when nothing was delivered, else {delivery, ids, receive counts,
  lengths, trace contexts, bodies}, in position order: ids, receive counts and
  body lengths joined by ',' (receive counts '' when all are 1), trace contexts
  (the "t<id>" fields list-send-3.lua stored) joined by '\n' ('' when the list
  never had one), and the bodies' bytes one after the other (six replies a
  delivery, not three a message). When the bodies add up to more than 256 KB:
  {delivery, ids, receive counts, '', trace contexts, body, body, …}, one reply a body.
]]
local list, bodies, processing, leases, delayed, meta, leasedSet = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[8]
local visibility = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local maxReceiveCount = tonumber(ARGV[3])
local maxDeliveryBytes = tonumber(ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
-- A list that ever had a trace context (list-send-3.lua): its "t<id>" fields are read and moved with the bodies.
local traced = redis.call('HEXISTS', meta, 'traced') == 1
local byte, find, sub = string.byte, string.find, string.sub

local function deadLetter(id, body, receiveCount, reason)
  if traced then
    redis.call('HDEL', bodies, 't' .. id)
  end
  local header = cjson.encode({ id = id, error = reason, receiveCount = receiveCount, at = now })
  redis.call('RPUSH', KEYS[7], header .. '\n' .. body)
end

-- Puts entries at the head of the list, entries[1] first.
local function pushFront(entries)
  local reversed = {}
  for i = #entries, 1, -1 do
    reversed[#reversed + 1] = entries[i]
  end
  for i = 1, #reversed, 4000 do
    redis.call('LPUSH', list, unpack(reversed, i, math.min(i + 3999, #reversed)))
  end
end

-- An id entry's id and the receives it carries.
local function parseEntry(entry)
  local colon = find(entry, ':', 2, true)
  if colon then
    return sub(entry, 2, colon - 1), tonumber(sub(entry, colon + 1)) or 0
  end
  return sub(entry, 2), 0
end

-- The bodies a lease holds: body p (from 0) is held[p + 1].
local function heldBodies(lengths, blob)
  local held = {}
  local offset = 1
  for length in string.gmatch(lengths, '%d+') do
    local size = tonumber(length)
    held[#held + 1] = sub(blob, offset, offset + size - 1)
    offset = offset + size
  end
  return held
end

-- Lapsed deliveries: their unsettled messages are counted, back at the head in id order (their
-- bodies and trace contexts stored again), or dead. Those of the processing set (0.1's
-- deliveries) left their bodies in the bodies hash.
local back = {}
local recovered = 0
local function recoverLapsed(set, fromLease)
  local lapsed = redis.call('ZRANGEBYSCORE', set, '-inf', now, 'LIMIT', 0, 8)
  for _, delivery in ipairs(lapsed) do
    local lease = redis.call('HMGET', leases, delivery, delivery .. '!', delivery .. '#', delivery .. '$', delivery .. 't')
    local joined, bits = lease[1], lease[2]
    redis.call('ZREM', set, delivery)
    redis.call('HDEL', leases, delivery, delivery .. '!', delivery .. '#', delivery .. '$', delivery .. 't')
    if joined and bits then
      local held, traces = nil, nil
      if fromLease then
        held = heldBodies(lease[3] or '', lease[4] or '')
        if lease[5] then
          traces = {}
          for trace in string.gmatch(lease[5] .. '\n', '([^\n]*)\n') do
            traces[#traces + 1] = trace
          end
        end
      end
      local position = 0
      for entry in string.gmatch(joined, '[^,]+') do
        local settledBits = byte(bits, bit.rshift(position, 3) + 1)
        if bit.band(settledBits, bit.lshift(1, bit.band(position, 7))) == 0 then
          recovered = recovered + 1
          local id, receives = parseEntry(entry)
          receives = receives + 1
          local body = held and held[position + 1]
          if maxReceiveCount > 0 and receives >= maxReceiveCount then
            if not held then
              body = redis.call('HGET', bodies, id)
              if body then
                redis.call('HDEL', bodies, id)
              end
            end
            if body then
              deadLetter(id, body, receives, 'visibility timeout lapsed on the last of ' .. receives .. ' deliveries (its consumer died or took too long)')
            end
          else
            if body then
              redis.call('HSET', bodies, id, body)
              local trace = traces and traces[position + 1]
              if trace and trace ~= '' then
                redis.call('HSET', bodies, 't' .. id, trace)
              end
            end
            back[#back + 1] = { tonumber(id), '\0' .. id .. ':' .. receives }
          end
        end
        position = position + 1
      end
    end
  end
end
recoverLapsed(leasedSet, true)
recoverLapsed(processing, false)
if #back > 0 then
  table.sort(back, function(x, y)
    return x[1] < y[1]
  end)
  local entries = {}
  for i, item in ipairs(back) do
    entries[i] = item[2]
  end
  pushFront(entries)
end
if recovered > 0 then
  redis.call('HINCRBY', meta, 'inflight', -recovered)
end

-- Released messages whose backoff is over.
local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, max)
if #due > 0 then
  for i = 1, #due, 4000 do
    redis.call('ZREM', delayed, unpack(due, i, math.min(i + 3999, #due)))
  end
  pushFront(due)
end

local entries = redis.call('LPOP', list, max)
if not entries then
  return {}
end

local count = #entries
local ids = {}
local receives = {}
local raw = {}
for i = 1, count do
  local entry = entries[i]
  if byte(entry, 1) == 0 then
    local colon = find(entry, ':', 2, true)
    if colon then
      ids[i] = sub(entry, 2, colon - 1)
      receives[i] = tonumber(sub(entry, colon + 1)) or 0
    else
      ids[i] = sub(entry, 2)
      receives[i] = 0
    end
  else
    ids[i] = false
    receives[i] = 0
    raw[#raw + 1] = i
  end
end

-- The bodies of the id entries (all of them, in the common case of no raw body); found[i] is
-- false for an id entry whose body is missing.
local found = {}
local known = nil
local fields = ids
if #raw > 0 then
  known = {}
  fields = {}
  for i = 1, count do
    if ids[i] then
      known[#known + 1] = i
      fields[#fields + 1] = ids[i]
    end
  end
end
for k = 1, #fields, 4000 do
  local last = math.min(k + 3999, #fields)
  local values = redis.call('HMGET', bodies, unpack(fields, k, last))
  for offset = 1, last - k + 1 do
    local i = k + offset - 1
    if known then
      i = known[i]
    end
    found[i] = values[offset] or false
  end
end

-- At most maxDeliveryBytes of bodies: the entries past them go back as they were. `total` is then
-- the bytes of the bodies delivered (a missing body counts 0, a raw one its entry), which decides
-- the reply's form below.
local total = 0
for i = 1, count do
  local size
  if ids[i] then
    size = found[i] and #found[i] or 0
  else
    size = #entries[i]
  end
  if i > 1 and total + size > maxDeliveryBytes then
    local rest = {}
    for j = i, count do
      rest[#rest + 1] = entries[j]
    end
    pushFront(rest)
    count = i - 1
    break
  end
  total = total + size
end

-- Kept id entries: their bodies (and trace contexts) move to the lease; one without a body is
-- never delivered as something else, never lost silently.
local moving = {}
for i = 1, count do
  if ids[i] then
    if found[i] then
      moving[#moving + 1] = ids[i]
    else
      deadLetter(ids[i], entries[i], receives[i] + 1,
        'list entry starts with 0x00, the mark of a message id, but no body is stored for it (raw bodies must not start with 0x00)')
      ids[i] = false
    end
  end
end

-- Raw bodies are adopted: given an id, the entry itself is the body (those past the cut above stay raw).
local adopted = {}
for _, i in ipairs(raw) do
  if i > count then
    break
  end
  adopted[#adopted + 1] = i
end
if #adopted > 0 then
  local first = redis.call('HINCRBY', meta, 'ids', #adopted) - #adopted + 1
  for k, i in ipairs(adopted) do
    local id = string.format('%d', first + k - 1)
    ids[i] = id
    found[i] = entries[i]
    entries[i] = '\0' .. id
  end
end

local leased = {}
local idsOut = {}
local counts = {}
local lengths = {}
local bodiesOut = {}
local retried = false
local size = 0
for i = 1, count do
  local id = ids[i]
  if id then
    size = size + 1
    leased[size] = entries[i]
    idsOut[size] = id
    counts[size] = receives[i] + 1
    if receives[i] > 0 then
      retried = true
    end
    local body = found[i]
    lengths[size] = #body
    bodiesOut[size] = body
  end
end
if size == 0 then
  return {}
end
for k = 1, #moving, 4000 do
  redis.call('HDEL', bodies, unpack(moving, k, math.min(k + 3999, #moving)))
end
local tracesText = ''
if traced then
  local traceFields = {}
  for i = 1, size do
    traceFields[i] = 't' .. idsOut[i]
  end
  local traces = {}
  for k = 1, size, 4000 do
    local last = math.min(k + 3999, size)
    local values = redis.call('HMGET', bodies, unpack(traceFields, k, last))
    redis.call('HDEL', bodies, unpack(traceFields, k, last))
    for offset = 1, last - k + 1 do
      traces[k + offset - 1] = values[offset] or ''
    end
  end
  tracesText = table.concat(traces, '\n')
end
local delivery = redis.call('HINCRBY', meta, 'deliveries', 1)
local padding = bit.band(0xff, bit.lshift(0xff, (size - 1) % 8 + 1))
local name = string.format('%d', delivery)
local idsText = table.concat(idsOut, ',')
local lengthsText = table.concat(lengths, ',')
local blob = table.concat(bodiesOut)
local record = {
  name, table.concat(leased, ','),
  name .. '!', string.rep('\0', math.ceil(size / 8) - 1) .. string.char(padding),
  name .. '#', lengthsText,
  name .. '$', blob,
}
if traced then
  record[9] = name .. 't'
  record[10] = tracesText
end
redis.call('HSET', leases, unpack(record))
redis.call('ZADD', leasedSet, string.format('%d', now + visibility), name)
redis.call('HINCRBY', meta, 'inflight', size)
local countsText = retried and table.concat(counts, ',') or ''
if total > 262144 then
  -- Large bodies: one reply each, so that no client builds one buffer of them all.
  local result = { delivery, idsText, countsText, '', tracesText }
  for i = 1, size do
    result[5 + i] = bodiesOut[i]
  end
  return result
end
return { delivery, idsText, countsText, lengthsText, tracesText, blob }
