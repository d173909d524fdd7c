--[[
  Settles failed deliveries. A receipt no longer in the processing set (settled
  before, or its visibility lapsed and the message went back) is ignored.
  Modes:
  - 'uncharged': the handler never received them: back to the head of the list
    at once, in the order given, and this delivery does not count as a receive;
  - 'charged': the failure counts; after maxReceiveCount receives the message
    goes to the dead letters, else it waits in the delayed set for its backoff
    (list-get-7.lua moves it back to the head when due); a delay of 0 puts it
    back at the head at once;
  - 'dead': to the dead letters now (a body that cannot be decoded).

  KEYS[1]  ready list        <key>
  KEYS[2]  processing        {<key>}:processing      zset: "<delivery>:<id>:<receive count>" -> deadline ms
  KEYS[3]  delayed           {<key>}:delayed         zset: "\0<id>:<receives>" -> due ms
  KEYS[4]  bodies            {<key>}:bodies          hash: id -> body
  KEYS[5]  dead letters      {<key>}:dead            list: '<JSON {id, error, receiveCount, at}>\n<body>'

  ARGV[1]  mode: 'charged', 'uncharged' or 'dead'
  ARGV[2]  maxReceiveCount (0: unlimited)
  ARGV[3]  the error, as text (kept with dead letters)
  ARGV[4…] pairs: receipt, backoff delay in ms (read in 'charged' mode only)

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
for i = 4, #ARGV, 2 do
  local receipt = ARGV[i]
  if redis.call('ZREM', KEYS[2], receipt) == 1 then
    local a = string.find(receipt, ':', 1, true)
    local b = string.find(receipt, ':', a + 1, true)
    local id = string.sub(receipt, a + 1, b - 1)
    local receiveCount = tonumber(string.sub(receipt, b + 1))
    if mode == 'uncharged' then
      local receives = receiveCount - 1
      if receives > 0 then
        back[#back + 1] = '\0' .. id .. ':' .. receives
      else
        back[#back + 1] = '\0' .. id
      end
    elseif mode == 'dead' or (maxReceiveCount > 0 and receiveCount >= maxReceiveCount) then
      local body = redis.call('HGET', KEYS[4], id)
      if body then
        redis.call('HDEL', KEYS[4], id)
        local header = cjson.encode({ id = id, error = reason, receiveCount = receiveCount, at = now })
        redis.call('RPUSH', KEYS[5], header .. '\n' .. body)
        dead = dead + 1
      end
    else
      local entry = '\0' .. id .. ':' .. receiveCount
      local delay = tonumber(ARGV[i + 1]) or 0
      if delay > 0 then
        redis.call('ZADD', KEYS[3], now + delay, entry)
        waiting = waiting + 1
      else
        back[#back + 1] = entry
      end
    end
  end
end
for i = #back, 1, -1 do
  redis.call('LPUSH', KEYS[1], back[i])
end
return { #back, waiting, dead }
