--[[
  Reads a job from the cache; on a miss, takes the fill lease if nobody holds it, so that the reader
  may put what it then reads from the store (see plugins/store/cached.ts for why leases are needed).

  Input:
    KEYS[1] the cache entry, job:{<id>}
    KEYS[2] the entry's lease

    ARGV[1] this reader's token
    ARGV[2] lease, ms

  Output:
    the cached job's JSON; else 1 when this reader took the lease, 0 when someone else holds it
]]
local job = redis.call('GET', KEYS[1])
if job then
  return job
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
