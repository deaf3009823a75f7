--[[
  A long poll's read of a job: its status, and, while it has not ended, a mark asking end-job to tell its
  end on the ended channel until the poll is over (the latest of the marks of those who wait).

  Input:
    KEYS[1] the job hash

    ARGV[1] until when the caller waits, ms since the epoch

  Output:
    the job's status, or nil when there is no such job
]]
--- @include "includes/terminal"
local job = redis.call('HMGET', KEYS[1], 'status', 'waitUntil')
if not job[1] then
  return nil
end
if not isTerminal(job[1]) and (tonumber(job[2]) or 0) < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'waitUntil', ARGV[1])
end
return job[1]
