--[[
  Replaces an idempotency key's record only while it still holds the one the caller read: marking it done,
  giving it up, or taking over the key of a request that died. A compare-and-set, so of two takeovers
  exactly one wins.

  Input:
    KEYS[1] the idempotency key

    ARGV[1] the record expected
    ARGV[2] the record to put
    ARGV[3] its time to live, ms

  Output:
    1 - replaced
    0 - the key held something else (or nothing); nothing changed
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
