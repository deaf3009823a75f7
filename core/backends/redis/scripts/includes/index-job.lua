--- @include "includes/terminal"
-- Lists a job under one status of its vendor. A status moves forward only: a job listed as ended is not
-- listed as processing again by a late settlement or a stale entry (a callback may end a job before its
-- worker settles the call); only a replay takes a failed job back to pending.
local function indexJob (base, id, status, createdAt)
  local key = function (s) return base .. 'status:' .. s end
  if status == 'pending' then
    redis.call('ZREM', key('failed'), id)
  elseif status == 'processing' then
    for _, ended in ipairs(TERMINAL) do
      if redis.call('ZSCORE', key(ended), id) then return end
    end
    redis.call('ZREM', key('pending'), id)
  else
    redis.call('ZREM', key('pending'), id)
    redis.call('ZREM', key('processing'), id)
  end
  redis.call('ZADD', key(status), createdAt, id)
end
