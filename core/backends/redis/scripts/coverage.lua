--[[
  What covers each of some jobs in one vendor's queue, for the reconciler: an entry in the stream (handed
  out or not), a delayed call or poll, a watched deadline. The stream holds only outstanding work but may
  be long, so it is read in slices, one per call, from where the previous call stopped; the call that
  reaches its end also checks the delayed entries and deadlines, in the same step, so that an entry
  promoted from delayed into the stream meanwhile is seen in one place or the other.

  Input:
    KEYS[1] the vendor's job-queue stream
    KEYS[2] the vendor's delayed entries (zset)
    KEYS[3] the vendor's callback deadlines (zset)

    ARGV[1] the id of the last entry the previous call read, or '-' to start
    ARGV[2] the most entries to read in this call
    ARGV[3...] per job: id, createdAt

  Output:
    { next, flags per job... }
    next: the id of the last entry read, to pass back as ARGV[1]; '' once the end of the stream was read
    flags: 'e' an entry among those read; once next is '': also 'r' a delayed call, 'p' a delayed poll, 'd' a deadline
]]
local rcall = redis.call
local index, flags = {}, {}
for i = 3, #ARGV, 2 do
  flags[#flags + 1] = ''
  index[ARGV[i]] = #flags
end

local count = tonumber(ARGV[2])
local from = ARGV[1] == '-' and '-' or '(' .. ARGV[1]
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

for i = 3, #ARGV, 2 do
  local n = index[ARGV[i]]
  local suffix = '|' .. ARGV[i + 1] .. '|' .. ARGV[i]
  if rcall('ZSCORE', KEYS[2], 'c' .. suffix) then flags[n] = flags[n] .. 'r' end
  if rcall('ZSCORE', KEYS[2], 'p' .. suffix) then flags[n] = flags[n] .. 'p' end
  if rcall('ZSCORE', KEYS[3], ARGV[i]) then flags[n] = flags[n] .. 'd' end
end
return { '', unpack(flags) }
