--[[
  Releases a lock, only for its owner: another owner's lock is left alone.

  KEYS[1]  lock key
  ARGV[1]  owner token

  Returns 1 when released, 0 when the lock is gone or held by another owner.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
