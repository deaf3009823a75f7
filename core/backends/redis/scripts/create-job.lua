--[[
  Creates a job's hash, which expires after the store's TTL. Its queue entry is written by enqueue.lua
  in the vendor's slot: in a Redis Cluster the two live on different nodes.

  Input:
    KEYS[1] the job hash

    ARGV[1] TTL of the hash, ms
    ARGV[2...] the hash: field, value, field, value...

  Output:
    1 - created
    0 - a job with this id exists; nothing changed
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
