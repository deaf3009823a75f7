--[[
  Renews the leases of deliveries whose calls are still on the wire: the entry's idle time (XCLAIM ...
  JUSTID by its own consumer, which does not count as a delivery) and its concurrency slot, both by
  Redis's clock. A delivery another worker took over is not renewed, and is answered back as lost.

  Input:
    KEYS[1] the vendor's job-queue stream
    KEYS[2] the vendor's concurrency slots (zset holder -> lease expiry)

    ARGV[1] '' for Redis's clock, or a fixed now in ms (tests)
    ARGV[2] this worker's consumer name
    ARGV[3] lease, ms
    ARGV[4...] per delivery: entry id, delivery number

  Output:
    the entry ids of the deliveries lost to another worker
]]
--- @include "includes/owned"
--- @include "includes/clock"

local rcall = redis.call
local now = clock(ARGV[1])
local lost = {}
for i = 4, #ARGV, 2 do
  local id, deliveries = ARGV[i], ARGV[i + 1]
  if owned(KEYS[1], 'workers', ARGV[2], id, deliveries) then
    rcall('XCLAIM', KEYS[1], 'workers', ARGV[2], 0, id, 'JUSTID')
    rcall('ZADD', KEYS[2], now + tonumber(ARGV[3]), id .. '#' .. deliveries)
  else
    lost[#lost + 1] = id
  end
end
return lost
