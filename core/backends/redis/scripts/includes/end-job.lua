-- The single point where a script ends a job (core/ending.ts is its twin for the stores that end jobs in
-- TypeScript); every script that can end a job calls it once the job's outcome is on its hash. `at` is the
-- end's time, ms; `e` (from the caller's JSON) says where the end's effects go:
--   e.id  the job's id
--   e.o   keys.ts outboxPrefix, or '' on a Redis Cluster, where the team's outbox lives on another node:
--         the store then indexes the delivery after the script
--   e.n   the channel that wakes notifiers
--   e.c   the channel that wakes long polls
-- The end's time on the job is the outbox entry of its completion webhook, written in the same step as the
-- outcome; the team's outbox indexes it for the notifiers (and an entry written at submission finds it
-- should that index be missed). Another effect of an end goes beside these.
local function endJob (key, at, e)
  redis.call('HSET', key, 'endedAt', at)
  local job = redis.call('HMGET', key, 'notify', 'team', 'waitUntil')
  if job[1] and e.o ~= '' then
    local team = job[2] or 'default'
    redis.call('ZADD', e.o .. team .. '}', at, e.id)
    redis.call('PUBLISH', e.n, team)
  end
  if job[3] and tonumber(job[3]) >= tonumber(at) then
    redis.call('PUBLISH', e.c, e.id)
  end
end
