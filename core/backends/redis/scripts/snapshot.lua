--[[
  Reads one vendor's queue and limits as they stand, for operators (metrics scrapes, GET /vendors);
  changes nothing. Waiting entries are in the teams' ready lists; the stream holds the entries handed
  out and not yet settled (and, after an upgrade, any an earlier version queued and nobody read yet).

  Input:
    KEYS[1] the vendor's job-queue stream
    KEYS[2] the vendor's state hash
    KEYS[3] the vendor's concurrency slots (zset holder -> lease expiry)
    KEYS[4] the vendor's delayed entries
    KEYS[5..8] the vendor's status indexes: pending, processing, complete, failed

    ARGV[1] '' for Redis's clock, or a fixed now in ms (tests)
    ARGV[2] the vendor's key prefix, for its ready lists, teams and parked teams

  Output:
    { ready, delivered, when the oldest ready entry was queued ('' when none), slots in use, delayed,
      tat, pausedUntil, openUntil, hold, holdReason (each '' when unset),
      pending, processing, complete, failed, now: the time read at, by the clock of the times above }
]]
--- @include "includes/entries"
--- @include "includes/clock"

local rcall = redis.call
local now = clock(ARGV[1])
local base = ARGV[2]
local ready, oldest = 0, nil
local teams = rcall('ZRANGE', base .. 'teams', 0, -1)
for _, team in ipairs(rcall('ZRANGE', base .. 'parked', 0, -1)) do teams[#teams + 1] = team end
for _, team in ipairs(teams) do
  local list = base .. 'ready:' .. team
  ready = ready + rcall('LLEN', list)
  local head = rcall('LINDEX', list, 0)
  if head then
    local queuedAt = tonumber((parseReady(head)))
    if not oldest or queuedAt < oldest then oldest = queuedAt end
  end
end
local delivered = rcall('EXISTS', KEYS[1]) == 1 and rcall('XLEN', KEYS[1]) or 0

local out = { ready, delivered, oldest or '', rcall('ZCOUNT', KEYS[3], '(' .. now, '+inf'), rcall('ZCARD', KEYS[4]) }
for _, value in ipairs(rcall('HMGET', KEYS[2], 'tat', 'pausedUntil', 'openUntil', 'hold', 'holdReason')) do
  out[#out + 1] = value or ''
end
for i = 5, 8 do out[#out + 1] = rcall('ZCARD', KEYS[i]) end
out[#out + 1] = now
return out
