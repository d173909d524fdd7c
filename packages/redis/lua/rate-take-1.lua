--[[
  Takes up to ARGV[3] tokens from a token bucket shared by every process that
  names it, on the Redis server's clock (so the clocks of the consumers do not
  matter). The bucket holds at most `burst` tokens and refills continuously at
  `rate` tokens a millisecond; it takes what is there now (possibly fewer than
  asked: the caller keeps them and asks again for the rest) and says how long
  until the rest could be there.

  KEYS[1]  bucket    {<key>}:bucket    hash: tokens (fractional), at (ms, fractional)

  ARGV[1]  burst: the bucket's size in tokens (a positive integer)
  ARGV[2]  rate: tokens added a millisecond (a positive number)
  ARGV[3]  wanted: tokens to take (an integer >= 0)

  Returns { granted, wait }: the tokens taken now (0 to wanted), and the
  milliseconds until the rest (wanted - granted) could be taken (0 when none is missing).
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])

local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = burst
if state[1] then
  -- A clock that stepped back (a failover to a replica) refills nothing rather than going negative.
  tokens = math.min(burst, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) * rate)
end

local granted = math.min(wanted, math.floor(tokens))
tokens = tokens - granted
local wait = 0
if granted < wanted then
  wait = math.max(1, math.ceil((math.min(wanted - granted, burst) - tokens) / rate))
end

-- %.17g: Lua's default number format (14 digits) would drop the sub-millisecond part of `now`.
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', now))
-- Once full again the bucket is the same as no bucket: let it go then.
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return { granted, wait }
