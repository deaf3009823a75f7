--[[
  Leases the members of a zset whose time has come (a callback's deadline, a completion webhook's next
  try): each one's score is pushed back by the lease, so that one process handles it now and another
  takes it again only if this one dies before it is done.

  Input:
    KEYS[1] the zset (job ids scored by when each is due, ms): a vendor's deadlines or a team's outbox

    ARGV[1] now, ms since the epoch
    ARGV[2] the most ids to lease
    ARGV[3] lease, ms

  Output:
    { when the earliest member left is due (ms, or -1 when none is), then the leased job ids }
]]
local rcall = redis.call

local due = rcall('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local until_ = tonumber(ARGV[1]) + tonumber(ARGV[3])
for _, id in ipairs(due) do
  rcall('ZADD', KEYS[1], 'XX', until_, id)
end
local next = rcall('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { next[2] or -1, unpack(due) }
