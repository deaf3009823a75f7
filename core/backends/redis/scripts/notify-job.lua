--[[
  Records how a job's completion webhook stands, only while it still stands as the sender read it (a
  replay or a resend in between wins). Neither the job's status nor its updatedAt moves; HSET keeps the
  hash's expiry.

  Input:
    KEYS[1] the job hash

    ARGV[1] the delivery's state as the sender read it (the `notify` field's JSON)
    ARGV[2] its new state (JSON)

  Output:
    1 - recorded
    0 - the job is missing or its delivery's state changed meanwhile; nothing changed
]]
if redis.call('HGET', KEYS[1], 'notify') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'notify', ARGV[2])
return 1
