--- @include "includes/end-job"
-- Records what a delivery did on its job while the delivery still holds it, and releases the job. The
-- change is decoded JSON {s: [field, value, ...], r: [field, ...], e?: 1}: fields to set, fields to remove
-- and, when it ends the job, `e`: `ending` is then end-job's settings, the same for every job but its `id`.
-- Returns whether it applied (false: another delivery took the job over, or something ended it).
local function settleJob (key, holder, updatedAt, change, ending, id)
  if redis.call('HGET', key, 'holder') ~= holder then
    return false
  end
  redis.call('HSET', key, 'updatedAt', updatedAt, unpack(change.s))
  redis.call('HDEL', key, 'holder', unpack(change.r))
  if change.e then
    ending.id = id
    endJob(key, updatedAt, ending)
  end
  return true
end
