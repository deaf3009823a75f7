--[[
  A leader's end (core/results.ts finish), in one step: its result kept (a completed job's only), its
  claim released while it still names this job, and its followers handed back once (the list goes).
  A follower that joins after this step finds the result, or no claim and leads.

  Input:
    KEYS[1] the kept result (hash: at, r)
    KEYS[2] the claim
    KEYS[3] the followers' prefix (the list is this and the leader's id)

    ARGV[1] the leader's id
    ARGV[2] the result's JSON, or '' to keep nothing
    ARGV[3] how long the result is kept, ms
    ARGV[4] '' for Redis's clock, or a fixed now in ms (tests)

  Output:
    the followers' ids
]]
--- @include "includes/clock"

local rcall = redis.call
if ARGV[2] ~= '' then
  rcall('DEL', KEYS[1])
  rcall('HSET', KEYS[1], 'at', clock(ARGV[4]), 'r', ARGV[2])
  rcall('PEXPIRE', KEYS[1], ARGV[3])
end
if rcall('GET', KEYS[2]) == ARGV[1] then
  rcall('DEL', KEYS[2])
end
local list = KEYS[3] .. ARGV[1]
local followers = rcall('LRANGE', list, 0, -1)
rcall('DEL', list)
return followers
