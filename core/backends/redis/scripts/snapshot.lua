--[[
  Reads one vendor's queue and limits as they stand, for operators (metrics scrapes, GET /vendors);
  changes nothing. Acknowledged entries are deleted, so the stream holds the entries not yet handed
  out and those handed out but not yet settled (the group's pending ones).

  Input:
    KEYS[1] the vendor's job-queue stream
    KEYS[2] the vendor's state hash
    KEYS[3] the vendor's concurrency slots (zset holder -> lease expiry)
    KEYS[4] the vendor's delayed entries
    KEYS[5..8] the vendor's status indexes: pending, processing, complete, failed

    ARGV[1] now, ms since the epoch

  Output:
    { entries, delivered, oldest entry not yet handed out ('' when none), slots in use, delayed,
      tat, pausedUntil, openUntil, hold, holdReason (each '' when unset),
      pending, processing, complete, failed }
]]
local rcall = redis.call
local entries, delivered, oldest = 0, 0, ''
if rcall('EXISTS', KEYS[1]) == 1 then
  entries = rcall('XLEN', KEYS[1])
  local last = '0-0'
  for _, group in ipairs(rcall('XINFO', 'GROUPS', KEYS[1])) do
    local fields = {}
    for i = 1, #group, 2 do fields[group[i]] = group[i + 1] end
    if fields['name'] == 'workers' then
      delivered = fields['pending']
      last = fields['last-delivered-id']
    end
  end
  local head = rcall('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 1)[1]
  if head then oldest = head[1] end
end

local out = { entries, delivered, oldest, rcall('ZCOUNT', KEYS[3], '(' .. ARGV[1], '+inf'), rcall('ZCARD', KEYS[4]) }
for _, value in ipairs(rcall('HMGET', KEYS[2], 'tat', 'pausedUntil', 'openUntil', 'hold', 'holdReason')) do
  out[#out + 1] = value or ''
end
for i = 5, 8 do out[#out + 1] = rcall('ZCARD', KEYS[i]) end
return out
