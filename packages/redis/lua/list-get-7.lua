--[[
  Delivers up to max messages, at least once. First, in the same call:
  - deliveries whose visibility lapsed (their consumer died) come back to the
    head of the list, in id order; that delivery counts as a receive, so once
    maxReceiveCount is reached they go to the dead letters instead;
  - released messages whose backoff is over move from the delayed set to the
    head of the list, earliest due first.
  Then it pops up to max entries from the head of the list. An entry is either
  an id entry "\0<id>" or "\0<id>:<receives>" (written by list-send-3.lua and
  by the settling scripts), or a raw body that a producer RPUSHed: raw bodies
  never start with 0x00, and are adopted on their first delivery (given an id,
  body stored once in the bodies hash). An id entry whose body is missing (a
  raw body that broke that rule, or a deleted bodies hash) is dead-lettered
  with itself as the body, never delivered.
  Each delivered message enters the processing set under the receipt
  "<delivery>:<id>:<receive count>", scored by its deadline.

  Receive counts: an entry carries the receives counted so far (none: 0); this
  delivery's receive count is one more. Settling decides whether it counted
  (list-release-5.lua): a charged failure or a lapsed visibility keeps it, an
  uncharged release takes it back.

  KEYS[1]  ready list        <key>                   entries: "\0<id>[:<receives>]" or raw bodies
  KEYS[2]  bodies            {<key>}:bodies          hash: id -> body
  KEYS[3]  processing        {<key>}:processing      zset: receipt -> deadline ms
  KEYS[4]  delayed           {<key>}:delayed         zset: "\0<id>:<receives>" -> due ms
  KEYS[5]  id counter        {<key>}:ids             the last id given
  KEYS[6]  delivery counter  {<key>}:deliveries      the last delivery number given
  KEYS[7]  dead letters      {<key>}:dead            list: '<JSON {id, error, receiveCount, at}>\n<body>'

  ARGV[1]  visibility timeout, ms
  ARGV[2]  most messages to deliver (also the most lapsed or due ones moved in this call)
  ARGV[3]  maxReceiveCount (0: unlimited)

  Returns {} when nothing was delivered, else
  {delivery, id, receive count, body, id, receive count, body, …}: ids and
  receive counts as integers, bodies as bytes.
]]
local list, bodies, processing, delayed = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local visibility = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local maxReceiveCount = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local function deadLetter(id, body, receiveCount, reason)
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

local function removeAll(key, members)
  for i = 1, #members, 4000 do
    redis.call('ZREM', key, unpack(members, i, math.min(i + 3999, #members)))
  end
end

-- Lapsed deliveries: counted, back at the head in id order, or dead.
local lapsed = redis.call('ZRANGEBYSCORE', processing, '-inf', now, 'LIMIT', 0, max)
if #lapsed > 0 then
  removeAll(processing, lapsed)
  local back = {}
  for _, receipt in ipairs(lapsed) do
    local a = string.find(receipt, ':', 1, true)
    local b = string.find(receipt, ':', a + 1, true)
    local id = string.sub(receipt, a + 1, b - 1)
    local receives = tonumber(string.sub(receipt, b + 1))
    if maxReceiveCount > 0 and receives >= maxReceiveCount then
      local body = redis.call('HGET', bodies, id)
      if body then
        redis.call('HDEL', bodies, id)
        deadLetter(id, body, receives, 'visibility timeout lapsed on the last of ' .. receives .. ' deliveries (its consumer died or took too long)')
      end
    else
      back[#back + 1] = { tonumber(id), '\0' .. id .. ':' .. receives }
    end
  end
  table.sort(back, function(x, y)
    return x[1] < y[1]
  end)
  local entries = {}
  for i, item in ipairs(back) do
    entries[i] = item[2]
  end
  pushFront(entries)
end

-- Released messages whose backoff is over.
local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, max)
if #due > 0 then
  removeAll(delayed, due)
  pushFront(due)
end

local entries = redis.call('LPOP', list, max)
if not entries then
  return {}
end

local count = #entries
local ids = {}
local receives = {}
local known = {}
local raw = {}
for i = 1, count do
  local entry = entries[i]
  if string.byte(entry, 1) == 0 then
    local colon = string.find(entry, ':', 2, true)
    if colon then
      ids[i] = string.sub(entry, 2, colon - 1)
      receives[i] = tonumber(string.sub(entry, colon + 1)) or 0
    else
      ids[i] = string.sub(entry, 2)
      receives[i] = 0
    end
    known[#known + 1] = i
  else
    receives[i] = 0
    raw[#raw + 1] = i
  end
end

local found = {}
if #known > 0 then
  local fields = {}
  for k, i in ipairs(known) do
    fields[k] = ids[i]
  end
  for k = 1, #fields, 4000 do
    local last = math.min(k + 3999, #fields)
    local values = redis.call('HMGET', bodies, unpack(fields, k, last))
    for offset = 1, last - k + 1 do
      local i = known[k + offset - 1]
      if values[offset] then
        found[i] = values[offset]
      else
        -- No body: never delivered as something else, never lost silently.
        ids[i] = nil
        deadLetter(string.sub(entries[i], 2), entries[i], receives[i] + 1,
          'list entry starts with 0x00, the mark of a message id, but no body is stored for it (raw bodies must not start with 0x00)')
      end
    end
  end
end

if #raw > 0 then
  local first = redis.call('INCRBY', KEYS[5], #raw) - #raw + 1
  local fields = {}
  for k, i in ipairs(raw) do
    local id = string.format('%d', first + k - 1)
    ids[i] = id
    found[i] = entries[i]
    fields[#fields + 1] = id
    fields[#fields + 1] = entries[i]
  end
  for k = 1, #fields, 4000 do
    redis.call('HSET', bodies, unpack(fields, k, math.min(k + 3999, #fields)))
  end
end

local delivery = redis.call('INCR', KEYS[6])
local prefix = string.format('%d', delivery) .. ':'
local deadline = now + visibility
local members = {}
local result = { delivery }
for i = 1, count do
  local id = ids[i]
  if id then
    local receiveCount = receives[i] + 1
    members[#members + 1] = deadline
    members[#members + 1] = prefix .. id .. ':' .. receiveCount
    result[#result + 1] = tonumber(id)
    result[#result + 1] = receiveCount
    result[#result + 1] = found[i]
  end
end
for k = 1, #members, 4000 do
  redis.call('ZADD', processing, unpack(members, k, math.min(k + 3999, #members)))
end
if #result == 1 then
  return {}
end
return result
