--[[
  Keeps one vendor's listing indexes bounded: entries of jobs created before a time go (their records
  have expired with the store's TTL), and each ended status keeps only its newest entries. Live jobs
  (pending, processing) are never dropped for the bound.

  Input:
    KEYS[1..4] the vendor's status indexes: pending, processing, complete, failed

    ARGV[1] createdAt before which entries go, ms since the epoch
    ARGV[2] entries kept per ended status

  Output:
    how many entries went
]]
local removed = 0
for i = 1, 4 do
  removed = removed + redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[1])
end
for i = 3, 4 do
  removed = removed + redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -(tonumber(ARGV[2]) + 1))
end
return removed
