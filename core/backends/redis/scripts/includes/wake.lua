-- Wakes the dispatchers that found nothing to grant for this vendor, once, if any sleeps.
local function wakeUp (flag, channel, vendor)
  if redis.call('DEL', flag) == 1 then
    redis.call('PUBLISH', channel, vendor)
  end
end
