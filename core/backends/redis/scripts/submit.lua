--[[
  Creates a job and queues it for its vendor in one step, for one Redis that holds jobs and queues
  together: the hash (expiring after the store's TTL), the stream entry, the pending listing, and a
  wake-up for sleeping dispatchers. On a Redis Cluster a job's hash and its vendor's queue live on
  different nodes, and create-job.lua and enqueue.lua run there instead.

  Input:
    KEYS[1] the job hash
    KEYS[2] the vendor's job-queue stream
    KEYS[3] the vendor's wake flag

    ARGV[1] TTL of the hash, ms
    ARGV[2] the vendor's key prefix, for its status indexes
    ARGV[3] the wake channel
    ARGV[4] the vendor's name
    ARGV[5] the job's id
    ARGV[6] its createdAt
    ARGV[7] its traceparent ('' when not traced)
    ARGV[8...] the hash: field, value, field, value...

  Output:
    1 - created and queued
    0 - a job with this id exists; nothing changed
]]
--- @include "includes/create-job"
--- @include "includes/entries"
--- @include "includes/wake"

if not createJob(KEYS[1], ARGV[1], 8) then
  return 0
end
addEntry(KEYS[2], ARGV[5], 'c', ARGV[6], ARGV[7])
redis.call('ZADD', ARGV[2] .. 'status:pending', ARGV[6], ARGV[5])
wakeUp(KEYS[3], ARGV[3], ARGV[4])
return 1
