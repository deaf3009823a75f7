--[[
  Creates a job: its hash, which expires after the store's TTL, and its entries in the
  status and vendor indexes; when asked, also its job-queue entry, so that neither exists alone.

  Input:
    KEYS[1] job hash
    KEYS[2] index of the job's status (zset of ids scored by createdAt)
    KEYS[3] index of the job's vendor (zset of ids scored by createdAt)
    KEYS[4] the job-queue stream

    ARGV[1] job id
    ARGV[2] createdAt, ms since the epoch
    ARGV[3] TTL of the hash, ms
    ARGV[4] index cutoff: entries scored below it belong to jobs whose hash has expired
    ARGV[5] the vendor to queue the job for, or '' to create it only
    ARGV[6...] the hash: field, value, field, value...

  Output:
    1 - created
    0 - a job with this id exists; nothing changed
]]
local rcall = redis.call

if rcall('EXISTS', KEYS[1]) == 1 then
  return 0
end

rcall('HSET', KEYS[1], unpack(ARGV, 6))
rcall('PEXPIRE', KEYS[1], ARGV[3])

-- Hashes expire by themselves but index entries do not: each write trims the index it grows.
for i = 2, 3 do
  rcall('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[4])
  rcall('ZADD', KEYS[i], ARGV[2], ARGV[1])
end

if ARGV[5] ~= '' then
  rcall('XADD', KEYS[4], '*', 'id', ARGV[1], 'vendor', ARGV[5])
end

return 1
