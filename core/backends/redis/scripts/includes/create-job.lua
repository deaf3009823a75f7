-- Creates a job's hash from ARGV[from...] (field, value, ...), expiring after `ttl` ms; false when the id exists.
local function createJob (key, ttl, from)
  if redis.call('EXISTS', key) == 1 then
    return false
  end
  redis.call('HSET', key, unpack(ARGV, from))
  redis.call('PEXPIRE', key, ttl)
  return true
end
