--[[
  Compare-and-set on a job: applies a change only while the job is in the status the caller
  read, then moves it between status indexes and records the transition in the events stream,
  an audit trail that shows, for example, that no job ever completed twice. HSET and HDEL keep
  the hash's expiry.

  Input:
    KEYS[1] job hash
    KEYS[2] index of the status it leaves
    KEYS[3] index of the status it enters (the same key when the status stays)
    KEYS[4] job-events stream
    KEYS[5] the job-queue stream

    ARGV[1] expected status
    ARGV[2] updatedAt, ms since the epoch
    ARGV[3] index cutoff, as in create-job.lua
    ARGV[4] events kept, approximately (MAXLEN ~)
    ARGV[5] '1' to queue the job once changed (a replay), so that it cannot be pending without an entry
    ARGV[6] n: how many field, value pairs follow; the first pair is status, <new status>
    ARGV[7 .. 6+2n] field, value pairs to set
    ARGV[7+2n ...] fields to remove

  Output:
    the changed hash as a flat array: field, value, field, value...
    nil - the job is missing (or expired) or in another status; nothing changed
]]
local rcall = redis.call

local current = rcall('HMGET', KEYS[1], 'status', 'id', 'createdAt', 'vendor')
if current[1] ~= ARGV[1] then
  return nil
end

local last = 6 + 2 * tonumber(ARGV[6])
rcall('HSET', KEYS[1], 'updatedAt', ARGV[2], unpack(ARGV, 7, last))
if #ARGV > last then
  rcall('HDEL', KEYS[1], unpack(ARGV, last + 1))
end

rcall('ZREM', KEYS[2], current[2])
rcall('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[3])
rcall('ZADD', KEYS[3], current[3], current[2])

rcall('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'id', current[2], 'from', ARGV[1], 'to', ARGV[8])
if ARGV[5] == '1' then
  rcall('XADD', KEYS[5], '*', 'id', current[2], 'vendor', current[4])
end

return rcall('HGETALL', KEYS[1])
