--[[
  A submission under a result cache key (core/results.ts admit), in one step: a kept result young
  enough; else the job on the wire for the key (its leader), which this job joins as a follower; else
  this job claims the key and leads. The three keys share the cache key's hash tag.

  Input:
    KEYS[1] the kept result (hash: at, r)
    KEYS[2] the claim (string: the leader's id, expiring)
    KEYS[3] the followers' prefix: the list of a leader's followers is this and its id

    ARGV[1] the job's id
    ARGV[2] the oldest result accepted, ms before now ('' for any unexpired one)
    ARGV[3] how long a claim lasts, ms (a leader that died without ending frees its key then)
    ARGV[4] '' for Redis's clock, or a fixed now in ms (tests)

  Output:
    {'hit', result JSON, at}
    {'follow', the leader's id}
    {'lead'}
]]
--- @include "includes/clock"

local rcall = redis.call
local now = clock(ARGV[4])
local kept = rcall('HMGET', KEYS[1], 'at', 'r')
if kept[1] and kept[2] and (ARGV[2] == '' or now - tonumber(kept[1]) <= tonumber(ARGV[2])) then
  return { 'hit', kept[2], kept[1] }
end
local leader = rcall('GET', KEYS[2])
if leader then
  local followers = KEYS[3] .. leader
  rcall('RPUSH', followers, ARGV[1])
  -- The list outlives the claim a little: the leader's end reads it even when the claim just expired.
  rcall('PEXPIRE', followers, rcall('PTTL', KEYS[2]) + tonumber(ARGV[3]))
  return { 'follow', leader }
end
rcall('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
return { 'lead' }
