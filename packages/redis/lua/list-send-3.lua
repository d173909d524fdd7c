--[[
  Appends messages at the tail of the list. Each message gets an id; its body
  is stored once, in the bodies hash, and the list receives the id entry
  "\0<id>" (a 0x00 byte, then the id in decimal: raw bodies pushed by other
  producers never start with 0x00, see list-get-7.lua).

  KEYS[1]  ready list   <key>               entries: "\0<id>[:<receives>]" or raw bodies
  KEYS[2]  bodies       {<key>}:bodies      hash: id -> body (bytes, as sent)
  KEYS[3]  counters     {<key>}:meta        hash: ids (the last id given), deliveries, inflight, traced

  ARGV[1]  the messages' trace context ("<traceparent>" or "<traceparent>\t<tracestate>"), '' for none:
           stored as the field "t<id>" of the bodies hash, and "traced" set in the counters, so
           the other scripts look for trace fields only in a list that ever had one
  ARGV[2…] bodies, in order (at most a few thousand a call)

  Returns the id of the first message; the next ones follow it by one.
]]
local count = #ARGV - 1
if count <= 0 then
  return 0
end
local trace = ARGV[1]
local first = redis.call('HINCRBY', KEYS[3], 'ids', count) - count + 1
local fields = {}
local entries = {}
for i = 1, count do
  local id = string.format('%d', first + i - 1)
  fields[#fields + 1] = id
  fields[#fields + 1] = ARGV[i + 1]
  if trace ~= '' then
    fields[#fields + 1] = 't' .. id
    fields[#fields + 1] = trace
  end
  entries[i] = '\0' .. id
end
if trace ~= '' then
  redis.call('HSET', KEYS[3], 'traced', '1')
end
for i = 1, #fields, 4000 do
  redis.call('HSET', KEYS[2], unpack(fields, i, math.min(i + 3999, #fields)))
end
for i = 1, #entries, 4000 do
  redis.call('RPUSH', KEYS[1], unpack(entries, i, math.min(i + 3999, #entries)))
end
return first
