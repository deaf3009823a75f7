--[[
  Queues jobs for one vendor: due now, an entry at the back of its team's ready list (taking back any
  delayed intent for the same job), the team ready for its share, and a place in the pending index; due
  later, a delayed entry that take.lua promotes, its time moved from the sender's clock onto Redis's.
  Wakes sleeping dispatchers.

  Input:
    KEYS[1] the vendor's delayed entries (zset)
    KEYS[2] the vendor's wake flag

    ARGV[1] the vendor's key prefix, for its ready lists, teams and status indexes
    ARGV[2] the wake channel
    ARGV[3] the vendor's name
    ARGV[4] '' for Redis's clock, or a fixed now in ms (tests)
    ARGV[5] the sender's clock, ms, by which the jobs' due times are given
    ARGV[6...] per job: id, createdAt, due ('' for now), traceparent ('' when not traced), team, the team's weight

  Output:
    the number of jobs queued
]]
--- @include "includes/entries"
--- @include "includes/index-job"
--- @include "includes/wake"
--- @include "includes/clock"

local rcall = redis.call
local now = clock(ARGV[4])
local shift = now - tonumber(ARGV[5])
local queued = 0
for i = 6, #ARGV, 6 do
  local id, createdAt, due, trace, team, weight = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  local member = delayedMember('c', createdAt, team, id, trace)
  if due == '' then
    rcall('ZREM', KEYS[1], member)
    queueReady(ARGV[1], team, weight, readyMember(now, 'c', createdAt, team, id, trace), false)
    indexJob(ARGV[1], id, 'pending', createdAt)
    queued = queued + 1
  else
    rcall('ZADD', KEYS[1], tonumber(due) + shift, member)
  end
end
if queued > 0 then
  wakeUp(KEYS[2], ARGV[2], ARGV[3])
end
return (#ARGV - 5) / 6
