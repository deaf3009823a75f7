--- @include "includes/end-job"
-- Records what a delivery did on its job while the delivery still holds it, and releases the job. The
-- change is decoded JSON {s: [field, value, ...], r: [field, ...]}: fields to set and fields to remove.
-- Returns whether it applied (false: another delivery took the job over, or something ended it).
local function settleJob (key, holder, updatedAt, change)
  if redis.call('HGET', key, 'holder') ~= holder then
    return false
  end
  redis.call('HSET', key, 'updatedAt', updatedAt, unpack(change.s))
  redis.call('HDEL', key, 'holder', unpack(change.r))
  -- A change that ends the job carries end-job's settings as `e`.
  if change.e then endJob(key, updatedAt, change.e) end
  return true
end
