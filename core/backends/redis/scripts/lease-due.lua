--[[
  Leases the deadlines that have passed: each one is pushed back by the lease, so that exactly one
  sweeper handles it now, and another sweeper takes it again if this one dies before clearing it.

  Input:
    KEYS[1] deadlines (zset of job ids scored by when their callback is due, ms)

    ARGV[1] now, ms since the epoch
    ARGV[2] the most ids to lease
    ARGV[3] lease, ms

  Output:
    the leased job ids
]]
local rcall = redis.call

local due = rcall('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local until_ = tonumber(ARGV[1]) + tonumber(ARGV[3])
for _, id in ipairs(due) do
  rcall('ZADD', KEYS[1], 'XX', until_, id)
end
return due
