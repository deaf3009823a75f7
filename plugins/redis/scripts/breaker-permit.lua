--[[
  May a worker call this vendor now? Closed: yes. Open: no, until the half-open time; then as many
  probes as allowed per half-open interval, shared by every worker.

  Input:
    KEYS[1] the breaker's state hash (state, until, probes, probesUntil)

    ARGV[1] now, ms since the epoch
    ARGV[2] probes allowed per half-open interval
    ARGV[3] half-open interval, ms

  Output:
    { 1, 0 }     - call
    { 1, 1 }     - call, as a probe: its outcome closes or reopens the breaker
    { 0, when }  - do not call before `when` (ms since the epoch)
]]
local rcall = redis.call
local now = tonumber(ARGV[1])

local state = rcall('HMGET', KEYS[1], 'state', 'until', 'probesUntil')
if state[1] ~= 'open' then
  return { 1, 0 }
end
local reopen = tonumber(state[2])
if now < reopen then
  return { 0, reopen }
end

-- The interval is kept in the hash, on the callers' clock, rather than as a key's TTL.
local probesUntil = tonumber(state[3]) or 0
if now >= probesUntil then
  probesUntil = now + tonumber(ARGV[3])
  rcall('HSET', KEYS[1], 'probes', 0, 'probesUntil', probesUntil)
end
if rcall('HINCRBY', KEYS[1], 'probes', 1) <= tonumber(ARGV[2]) then
  return { 1, 1 }
end
return { 0, probesUntil }
