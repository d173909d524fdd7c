--[[
  Extends a lock, only for its owner.

  KEYS[1]  lock key
  ARGV[1]  owner token
  ARGV[2]  new time to live in milliseconds

  Returns 1 when extended, 0 when the lock is gone or held by another owner.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
