--[[
  Lists jobs under their new status in their vendor's indexes, for changes made outside a delivery (a
  webhook, the deadline sweeper, a replay). A job that ended no longer has a callback deadline.

  Input:
    KEYS[1] the vendor's callback deadlines

    ARGV[1] the vendor's key prefix
    ARGV[2...] per job: id, status, createdAt

  Output:
    the number of jobs listed
]]
--- @include "includes/terminal"
--- @include "includes/index-job"

for i = 2, #ARGV, 3 do
  local id, status = ARGV[i], ARGV[i + 1]
  indexJob(ARGV[1], id, status, ARGV[i + 2])
  if isTerminal(status) then redis.call('ZREM', KEYS[1], id) end
end
return (#ARGV - 1) / 3
