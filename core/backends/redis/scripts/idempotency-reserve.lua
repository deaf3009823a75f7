--[[
  Reserves an idempotency key for a request: SET NX, and when the key is taken, what it holds, in one step,
  so that of two requests arriving at once exactly one reserves it and the other learns whose it is.
  (SET ... NX GET would do it in one command, but only from Redis 7.0.)

  Input:
    KEYS[1] the idempotency key

    ARGV[1] the record to put
    ARGV[2] its time to live, ms

  Output:
    nil - reserved: the key now holds ARGV[1]
    the record the key already holds; nothing changed
]]
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return false
end
return redis.call('GET', KEYS[1])
