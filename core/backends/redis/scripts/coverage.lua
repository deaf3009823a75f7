--[[
  What covers each of some jobs in one vendor's queue, for the reconciler: an entry waiting in its
  team's ready list or in the stream (handed out), a delayed call or poll, a watched deadline. Lists and
  stream may be long, so they are read in slices, one per call, from where the previous call stopped:
  the jobs' teams' lists first, then the stream (an entry moves from the one to the other); the call that
  reaches the stream's end also checks the delayed entries and deadlines, in the same step.

  Input:
    KEYS[1] the vendor's job-queue stream
    KEYS[2] the vendor's delayed entries (zset)
    KEYS[3] the vendor's callback deadlines (zset)

    ARGV[1] where the previous call stopped: '-' to start, 'L<n>:<offset>' in the nth team's list, or
            the id of the last stream entry read
    ARGV[2] the most entries to read in this call
    ARGV[3] the vendor's key prefix, for its ready lists
    ARGV[4...] per job: id, createdAt, team, traceparent ('' when not traced)

  Output:
    { next, flags per job... }
    next: where to go on from, to pass back as ARGV[1]; '' once the end of the stream was read
    flags: 'e' an entry among those read; once next is '': also 'r' a delayed call, 'p' a delayed poll, 'd' a deadline
]]
--- @include "includes/entries"

local rcall = redis.call
local index, flags, teams, seen = {}, {}, {}, {}
for i = 4, #ARGV, 4 do
  flags[#flags + 1] = ''
  index[ARGV[i]] = #flags
  if not seen[ARGV[i + 2]] then
    seen[ARGV[i + 2]] = true
    teams[#teams + 1] = ARGV[i + 2]
  end
end
local count = tonumber(ARGV[2])

local team, offset = 1, 0
if ARGV[1] ~= '-' then team, offset = string.match(ARGV[1], '^L(%d+):(%d+)$') end
if team then
  team, offset = tonumber(team), tonumber(offset)
  if team <= #teams then
    local members = rcall('LRANGE', ARGV[3] .. 'ready:' .. teams[team], offset, offset + count - 1)
    for _, member in ipairs(members) do
      local _, _, _, _, id = parseReady(member)
      if index[id] then flags[index[id]] = 'e' end
    end
    if #members == count then return { 'L' .. team .. ':' .. (offset + count), unpack(flags) } end
    return { 'L' .. (team + 1) .. ':0', unpack(flags) }
  end
end

local from = team and '-' or '(' .. ARGV[1]
local entries = rcall('XRANGE', KEYS[1], from, '+', 'COUNT', count)
for _, entry in ipairs(entries) do
  local fields = entry[2]
  for f = 1, #fields, 2 do
    if fields[f] == 'j' and index[fields[f + 1]] then flags[index[fields[f + 1]]] = 'e' end
  end
end
if #entries == count then
  return { entries[#entries][1], unpack(flags) }
end

for i = 4, #ARGV, 4 do
  local n = index[ARGV[i]]
  local createdAt, jobTeam, trace = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if rcall('ZSCORE', KEYS[2], delayedMember('c', createdAt, jobTeam, ARGV[i], trace)) then flags[n] = flags[n] .. 'r' end
  if rcall('ZSCORE', KEYS[2], delayedMember('p', createdAt, jobTeam, ARGV[i], trace)) then flags[n] = flags[n] .. 'p' end
  if rcall('ZSCORE', KEYS[3], ARGV[i]) then flags[n] = flags[n] .. 'd' end
end
return { '', unpack(flags) }
