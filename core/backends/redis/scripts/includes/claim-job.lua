--- @include "includes/terminal"
-- Takes a job for one delivery of its queue entry (claimChange in core/job.ts): the job's hash as a flat
-- array once claimed, or 'missing', 'done' or 'held' when refused, with nothing changed; and the job's
-- status before.
local function claimJob (key, entry, deliveries, kind, now)
  local job = redis.call('HMGET', key, 'status', 'waiting', 'holder', 'attempts')
  if not job[1] then
    return 'missing'
  end
  if isTerminal(job[1]) then
    return 'done', job[1]
  end
  if (kind == 'call' and job[2]) or (kind == 'poll' and job[2] ~= 'poll') then
    return 'done', job[1]
  end
  if job[3] then
    local at = string.find(job[3], '#[^#]*$')
    if string.sub(job[3], 1, at - 1) ~= entry or tonumber(string.sub(job[3], at + 1)) >= tonumber(deliveries) then
      return 'held', job[1]
    end
  end
  local holder = entry .. '#' .. deliveries
  if kind == 'call' then
    redis.call('HSET', key, 'status', 'processing', 'attempts', (tonumber(job[4]) or 0) + 1, 'holder', holder, 'updatedAt', now)
  else
    redis.call('HSET', key, 'holder', holder, 'updatedAt', now)
  end
  redis.call('HDEL', key, 'nextAttemptAt')
  return redis.call('HGETALL', key), job[1]
end
