--[[
  Records one call's outcome. A probe's outcome closes the breaker (success) or reopens it (failure);
  any other outcome is counted in the current bucket, and the breaker opens when the buckets of the
  window hold at least the minimum calls and the failure ratio.

  Input:
    KEYS[1] the breaker's state hash (state, until, probes, probesUntil)
    KEYS[2] the current bucket (hash: ok, fail)
    KEYS[3...] every bucket of the window, the current one included

    ARGV[1] 'ok' or 'fail'
    ARGV[2] '1' when the call was a probe
    ARGV[3] now, ms since the epoch
    ARGV[4] bucket lifetime, ms
    ARGV[5] minimum calls
    ARGV[6] failure ratio
    ARGV[7] half-open interval, ms

  Output:
    'open' or 'closed': the state after this outcome
]]
local rcall = redis.call
local now = tonumber(ARGV[3])

local function open ()
  rcall('HSET', KEYS[1], 'state', 'open', 'until', now + tonumber(ARGV[7]))
  rcall('HDEL', KEYS[1], 'probes', 'probesUntil')
  return 'open'
end

if ARGV[2] == '1' then
  if ARGV[1] == 'fail' then
    return open()
  end
  rcall('DEL', KEYS[1], unpack(KEYS, 3))
  return 'closed'
end

rcall('HINCRBY', KEYS[2], ARGV[1], 1)
rcall('PEXPIRE', KEYS[2], ARGV[4])
if rcall('HGET', KEYS[1], 'state') == 'open' then
  return 'open'
end

local ok, fail = 0, 0
for i = 3, #KEYS do
  local counts = rcall('HMGET', KEYS[i], 'ok', 'fail')
  ok = ok + (tonumber(counts[1]) or 0)
  fail = fail + (tonumber(counts[2]) or 0)
end
local total = ok + fail
if total >= tonumber(ARGV[5]) and fail >= tonumber(ARGV[6]) * total then
  return open()
end
return 'closed'
