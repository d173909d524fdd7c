--[[
  Sends dead letters back to the queue, oldest first: each keeps its id, its
  body is stored again and its id entry "\0<id>" (receives reset: a fresh
  start) is appended at the tail of the list. One call moves up to ARGV[1]
  entries atomically, so a redrive interrupted between calls loses nothing and
  moves nothing twice.

  KEYS[1]  dead letters  {<key>}:dead     list: '<JSON {id, error, receiveCount, at}>\n<body>'
  KEYS[2]  ready list    <key>
  KEYS[3]  bodies        {<key>}:bodies   hash: id -> body

  ARGV[1]  most entries to move in this call

  Returns the number of dead letters moved.
]]
local moved = 0
for _ = 1, tonumber(ARGV[1]) do
  local entry = redis.call('LPOP', KEYS[1])
  if not entry then
    break
  end
  local newline = string.find(entry, '\n', 1, true)
  local header, body
  if newline then
    header, body = string.sub(entry, 1, newline - 1), string.sub(entry, newline + 1)
  else
    header, body = entry, ''
  end
  local id = tostring(cjson.decode(header).id)
  redis.call('HSET', KEYS[3], id, body)
  redis.call('RPUSH', KEYS[2], '\0' .. id)
  moved = moved + 1
end
return moved
