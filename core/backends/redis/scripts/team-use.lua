--[[
  Reads what teams used of one vendor, in its slot and by Redis's clock: the calls take.lua counted per
  usage bucket and team, each team's entries waiting for their turn, and the calls counted now in each
  of its own quotas on the vendor. For GET /teams, never on a job's path.

  Input:
    KEYS[1] the vendor's usage hash (`<bucket>:<team>` -> calls)
    then per team: its ready list, then its quotas' keys
    ARGV[1] '' for Redis's clock, or a fixed now in ms (tests)
    then per team: m, its quotas' count, then m times: the quota's window widened by its margin, ms

  Output:
    { now, the number of usage fields, the usage hash's fields and values, then per team: its waiting
      entries, then one count per quota }
]]
--- @include "includes/clock"

local rcall = redis.call
local now = clock(ARGV[1])
local usage = rcall('HGETALL', KEYS[1])
local out = { now, #usage }
for _, v in ipairs(usage) do out[#out + 1] = v end
local key, arg = 2, 2
while arg <= #ARGV do
  out[#out + 1] = rcall('LLEN', KEYS[key])
  key = key + 1
  local m = tonumber(ARGV[arg])
  for q = 1, m do
    out[#out + 1] = rcall('ZCOUNT', KEYS[key], '(' .. (now - tonumber(ARGV[arg + q])), '+inf')
    key = key + 1
  end
  arg = arg + m + 1
end
return out
