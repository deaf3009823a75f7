--[[
  Moves queue entries whose delay has passed from the delayed set into the stream. Atomic, so that
  with many workers promoting at once each entry is queued exactly once.

  Input:
    KEYS[1] delayed entries (zset of "<job id>|<vendor>" scored by the time they are due, ms)
    KEYS[2] the job-queue stream

    ARGV[1] now, ms since the epoch
    ARGV[2] the most entries to move

  Output:
    { moved, next }: how many entries were queued, and when the next one is due (-1: none left)
]]
local rcall = redis.call

local due = rcall('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  local bar = string.find(member, '|', 1, true)
  rcall('XADD', KEYS[2], '*', 'id', string.sub(member, 1, bar - 1), 'vendor', string.sub(member, bar + 1))
  rcall('ZREM', KEYS[1], member)
end

local head = rcall('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local next = -1
if head[2] then
  next = tonumber(head[2])
end
return { #due, next }
