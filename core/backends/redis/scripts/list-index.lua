--[[
  One page of one listing index, newest first: job ids scored by createdAt, in the order of score and
  then id, both descending, strictly after a position and created after a time. Ids sharing the
  position's score and not below its id were on earlier pages and are skipped, a chunk at a time.

  Input:
    KEYS[1] one status index of one vendor (zset job id -> createdAt)

    ARGV[1] the position's createdAt, or '+inf' to start from the newest
    ARGV[2] the position's job id, or '' to start from the newest
    ARGV[3] only jobs created strictly after this, ms since the epoch, or '-inf'
    ARGV[4] the most ids wanted

  Output:
    { id, createdAt, id, createdAt, ... }
]]
local max, after, limit = ARGV[1], ARGV[2], tonumber(ARGV[4])
local min = ARGV[3] == '-inf' and '-inf' or '(' .. ARGV[3]
local out = {}
local offset = 0
while true do
  local chunk = redis.call('ZRANGE', KEYS[1], max, min, 'BYSCORE', 'REV', 'LIMIT', offset, limit, 'WITHSCORES')
  for i = 1, #chunk, 2 do
    if after == '' or tonumber(chunk[i + 1]) < tonumber(max) or chunk[i] < after then
      out[#out + 1] = chunk[i]
      out[#out + 1] = chunk[i + 1]
      if #out >= 2 * limit then return out end
    end
  end
  if #chunk < 2 * limit then return out end
  offset = offset + limit
end
