--[[
  Queues jobs for one vendor: due now, an entry in its stream (taking back any delayed intent for the
  same job) and a place in its pending index; due later, a delayed entry that take.lua promotes. Wakes
  sleeping dispatchers.

  Input:
    KEYS[1] the vendor's job-queue stream
    KEYS[2] the vendor's delayed entries (zset)
    KEYS[3] the vendor's wake flag

    ARGV[1] the vendor's key prefix, for its status indexes
    ARGV[2] the wake channel
    ARGV[3] the vendor's name
    ARGV[4...] per job: id, createdAt, due ('' for now), traceparent ('' when not traced)

  Output:
    the number of jobs queued
]]
--- @include "includes/entries"
--- @include "includes/index-job"
--- @include "includes/wake"

local rcall = redis.call
local now = 0
for i = 4, #ARGV, 4 do
  local id, createdAt, due, trace = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local member = delayedMember('c', createdAt, id, trace)
  if due == '' then
    rcall('ZREM', KEYS[2], member)
    addEntry(KEYS[1], id, 'c', createdAt, trace)
    indexJob(ARGV[1], id, 'pending', createdAt)
    now = now + 1
  else
    rcall('ZADD', KEYS[2], due, member)
  end
end
if now > 0 then
  wakeUp(KEYS[3], ARGV[2], ARGV[3])
end
return (#ARGV - 3) / 4
