--[[
  Removes consumers from a vendor's consumer group that hold no pending entries: one by name (a process
  stopping cleanly, its calls settled), or every one idle for longer than a bound (processes that stopped
  without doing so). A consumer holding entries stays, however long idle: XGROUP DELCONSUMER drops its
  pending entries, and the jobs they carry would never be taken over.

  Input:
    KEYS[1] the vendor's job-queue stream

    ARGV[1] the consumer group
    ARGV[2] a consumer to remove, or ''
    ARGV[3] also remove every consumer idle longer than this, ms, or '' for none

  Output:
    the number of consumers removed
]]
local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
-- No stream or no group (a Redis that lost its data): nobody to remove.
if not ok then return 0 end
local idleBound = tonumber(ARGV[3])
local removed = 0
for _, consumer in ipairs(consumers) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  local wanted = info.name == ARGV[2] or (idleBound ~= nil and tonumber(info.idle) > idleBound)
  if wanted and tonumber(info.pending) == 0 then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info.name)
    removed = removed + 1
  end
end
return removed
