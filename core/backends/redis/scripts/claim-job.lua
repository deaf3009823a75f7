--[[
  Takes a job for one delivery of its queue entry (the rules of claimChange in core/job.ts): refused when
  the job ended, waits for a callback, or is held by another delivery; a later delivery of the same
  entry takes over from a holder whose lease expired. A call makes an attempt: the job is processing.

  Input:
    KEYS[1] the job hash

    ARGV[1] the entry's id
    ARGV[2] the delivery's number (how many times the entry was handed out)
    ARGV[3] 'call' or 'poll'
    ARGV[4] now, ms since the epoch

  Output:
    the job's hash as a flat array (field, value, ...) once claimed
    'missing', 'done' or 'held' - refused; nothing changed
]]
local rcall = redis.call
local job = rcall('HMGET', KEYS[1], 'status', 'waiting', 'holder', 'attempts')
if not job[1] then
  return 'missing'
end
if job[1] == 'complete' or job[1] == 'failed' then
  return 'done'
end
if (ARGV[3] == 'call' and job[2]) or (ARGV[3] == 'poll' and job[2] ~= 'poll') then
  return 'done'
end
if job[3] then
  local at = string.find(job[3], '#[^#]*$')
  local entry = string.sub(job[3], 1, at - 1)
  local delivery = tonumber(string.sub(job[3], at + 1))
  if entry ~= ARGV[1] or delivery >= tonumber(ARGV[2]) then
    return 'held'
  end
end

local holder = ARGV[1] .. '#' .. ARGV[2]
if ARGV[3] == 'call' then
  rcall('HSET', KEYS[1], 'status', 'processing', 'attempts', (tonumber(job[4]) or 0) + 1, 'holder', holder, 'updatedAt', ARGV[4])
else
  rcall('HSET', KEYS[1], 'holder', holder, 'updatedAt', ARGV[4])
end
rcall('HDEL', KEYS[1], 'nextAttemptAt')
return rcall('HGETALL', KEYS[1])
