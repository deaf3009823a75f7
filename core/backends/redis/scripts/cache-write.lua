--[[
  Puts a job in the cache only while the caller's token still holds the entry's lease, and ends the
  lease. A store write whose lease was taken over by a later write drops the entry instead, so that
  nothing older than the store can stay readable.

  Input:
    KEYS[1] the cache entry, job:{<id>}
    KEYS[2] the entry's lease

    ARGV[1] the caller's token
    ARGV[2] the job's JSON
    ARGV[3] the entry's TTL, s
    ARGV[4] '1' when the caller wrote the store (a writer), '0' for a reader filling a miss

  Output:
    1 - put; 0 - not put (and, for a writer, the entry dropped)
]]
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  redis.call('DEL', KEYS[2])
  return 1
end
if ARGV[4] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2])
end
return 0
