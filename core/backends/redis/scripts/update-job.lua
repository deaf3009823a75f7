--[[
  Compare-and-set on a job: applies a change only while one of its fields holds the value the caller
  expects (its status, or its holder for a delivery finishing what it claimed). HSET and HDEL keep the
  hash's expiry. A change that ends the job ends it through end-job.

  Input:
    KEYS[1] the job hash

    ARGV[1] the field compared: 'status' or 'holder'
    ARGV[2] its expected value
    ARGV[3] updatedAt, ms since the epoch
    ARGV[4] 'job' to answer the changed hash, 'ok' to answer 1
    ARGV[5] end-job's settings as JSON when the change ends the job, else ''
    ARGV[6] n: how many field, value pairs follow
    ARGV[7 .. 6+2n] field, value pairs to set
    ARGV[7+2n ...] fields to remove

  Output:
    the changed hash as a flat array, or 1 (see ARGV[4])
    nil - the job is missing (or expired) or the field holds something else; nothing changed
]]
--- @include "includes/end-job"

local rcall = redis.call
if rcall('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return nil
end
local last = 6 + 2 * tonumber(ARGV[6])
rcall('HSET', KEYS[1], 'updatedAt', ARGV[3], unpack(ARGV, 7, last))
if #ARGV > last then
  rcall('HDEL', KEYS[1], unpack(ARGV, last + 1))
end
if ARGV[5] ~= '' then
  endJob(KEYS[1], ARGV[3], cjson.decode(ARGV[5]))
end
if ARGV[4] == 'job' then
  return rcall('HGETALL', KEYS[1])
end
return 1
