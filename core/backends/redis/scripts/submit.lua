--[[
  Creates a job and queues it for its vendor in one step, for one Redis that holds jobs and queues
  together: the hash (expiring after the store's TTL), an entry at the back of its team's ready list,
  the team ready for its share, the pending listing, and a wake-up for sleeping dispatchers. On a Redis
  Cluster a job's hash and its vendor's queue live on different nodes, and create-job.lua and
  enqueue.lua run there instead.

  Input:
    KEYS[1] the job hash
    KEYS[2] the vendor's wake flag

    ARGV[1] TTL of the hash, ms
    ARGV[2] the vendor's key prefix, for its ready lists, teams and status indexes
    ARGV[3] the wake channel
    ARGV[4] the vendor's name
    ARGV[5] the job's id
    ARGV[6] its createdAt
    ARGV[7] its traceparent ('' when not traced)
    ARGV[8] its team
    ARGV[9] the team's weight
    ARGV[10...] the hash: field, value, field, value...

  Output:
    1 - created and queued
    0 - a job with this id exists; nothing changed
]]
--- @include "includes/create-job"
--- @include "includes/entries"
--- @include "includes/wake"
--- @include "includes/clock"

if not createJob(KEYS[1], ARGV[1], 10) then
  return 0
end
queueReady(ARGV[2], ARGV[8], ARGV[9], readyMember(clock(''), 'c', ARGV[6], ARGV[8], ARGV[5], ARGV[7]), false)
redis.call('ZADD', ARGV[2] .. 'status:pending', ARGV[6], ARGV[5])
wakeUp(KEYS[2], ARGV[3], ARGV[4])
return 1
