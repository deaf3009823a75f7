--[[
  Takes work for one vendor with every grant it needs, in one step for the whole fleet: no pause (an
  operator's or the vendor's own Retry-After), a
  breaker that is closed (or a probe of a half-open one), a free concurrency slot, room in every
  quota's sliding window and a token from the bucket. Only then are entries read (entries whose
  lease expired first, when asked), and each one holds its slot until settled or its lease expires.
  Nothing waits for a grant while holding an entry. Due retries and polls are promoted first.

  rate-limiter-flexible checks one limit per call; granting several limits and reading the queue must
  happen together, hence this script. Limits are counted as if each call reached the vendor `margin`
  ms after its grant (see core/dispatch/limits.ts, which the in-memory dispatcher shares).

  While the breaker refuses calls, entries of jobs older than maxWaitMs are handed out as 'x' (expire),
  without grants, so that the worker fails them instead of letting them wait for ever.

  Input:
    KEYS[1] the vendor's job-queue stream
    KEYS[2] the vendor's state hash (tat, pausedUntil, openUntil, probes, probesUntil, hold, breaker buckets)
    KEYS[3] the vendor's concurrency slots (zset holder -> lease expiry)
    KEYS[4] the vendor's delayed entries (zset)
    KEYS[5] the vendor's wake flag

    ARGV[1]  now, ms since the epoch
    ARGV[2]  this worker's consumer name
    ARGV[3]  the most entries wanted
    ARGV[4]  '1' to take over entries whose lease expired
    ARGV[5]  lease, ms
    ARGV[6]  margin, ms
    ARGV[7]  rate: calls per second (may be fractional)
    ARGV[8]  burst
    ARGV[9]  concurrency
    ARGV[10] maxWaitMs
    ARGV[11] breaker: half-open interval, ms
    ARGV[12] breaker: probes per interval
    ARGV[13] the vendor's key prefix, for its quota and status keys
    ARGV[14] the jobs' key prefix (`<prefix>:job:{`) to claim each job here too, in the same step;
             '' to leave the claims to claim-job.lua (a Redis Cluster, where a job's hash is on another node)
    ARGV[15...] quotas: limit, window ms, limit, window ms...

  Output:
    { blocked, wakeAt, id, job, kind, deliveries, probe, createdAt, traceparent, claim, id, job, ... }
    blocked: '' (more may be granted now), 'empty', 'paused', 'breaker', 'rate', 'quota' or 'concurrency'
    wakeAt: when a take may grant again, ms since the epoch, or -1 (unknown: on a wake-up)
    kind: 'c' call, 'p' poll, 'x' expire; probe: 1 when the call is a half-open breaker's probe;
    traceparent: '' when the job is not traced
    claim: with ARGV[14], what claim-job.lua would answer (the job's hash, or why it was refused); else ''
]]
--- @include "includes/entries"
--- @include "includes/index-job"
--- @include "includes/claim-job"

local rcall = redis.call
local GROUP = 'workers'
local now = tonumber(ARGV[1])
local consumer = ARGV[2]
local max = tonumber(ARGV[3])
local leaseMs = tonumber(ARGV[5])
local margin = tonumber(ARGV[6])
local base = ARGV[13]

local function fieldOf (fields, name)
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
end

rcall('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local state = rcall('HMGET', KEYS[2], 'tat', 'pausedUntil', 'openUntil', 'probes', 'probesUntil', 'hold')
-- An operator's pause lasts until resumed, and the resume wakes the dispatchers sleeping on it.
if state[6] then
  rcall('SET', KEYS[5], 1, 'PX', 60000)
  return { 'paused', -1 }
end
local pausedUntil = tonumber(state[2])
if pausedUntil and pausedUntil > now then
  return { 'paused', pausedUntil }
end

local due = rcall('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 1000)
for _, member in ipairs(due) do
  local kind, createdAt, id, trace = parseDelayed(member)
  addEntry(KEYS[1], id, kind, createdAt, trace)
  rcall('ZREM', KEYS[4], member)
end

local out = { '', -1 }
local function deliver (entry, deliveries, kind, probe)
  out[#out + 1] = entry[1]
  out[#out + 1] = fieldOf(entry[2], 'j')
  out[#out + 1] = kind
  out[#out + 1] = deliveries
  out[#out + 1] = probe
  out[#out + 1] = fieldOf(entry[2], 'c')
  out[#out + 1] = fieldOf(entry[2], 't') or ''
  out[#out + 1] = ''
end

-- The breaker refuses calls: hand out the waiting jobs that are past maxWaitMs, and nothing else.
local function expire (wakeAt)
  out[1] = 'breaker'
  out[2] = wakeAt
  local last = '0-0'
  for _, group in ipairs(rcall('XINFO', 'GROUPS', KEYS[1])) do
    if fieldOf(group, 'name') == GROUP then last = fieldOf(group, 'last-delivered-id') end
  end
  local expired = 0
  for _, entry in ipairs(rcall('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', max)) do
    if fieldOf(entry[2], 'k') ~= 'c' or tonumber(fieldOf(entry[2], 'c')) + tonumber(ARGV[10]) > now then break end
    expired = expired + 1
  end
  if expired > 0 then
    local read = rcall('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', expired, 'STREAMS', KEYS[1], '>')
    if read then
      for _, entry in ipairs(read[1][2]) do deliver(entry, 1, 'x', 0) end
    end
  end
  return out
end

local room = max
local blocked, wakeAt = '', -1
local function limit (n, why, at)
  if n < room then
    room = n
    blocked = why
    wakeAt = at
  end
end

local probe = 0
local openUntil = tonumber(state[3])
if openUntil then
  if now < openUntil then return expire(openUntil) end
  local probes, probesUntil = tonumber(state[4]) or 0, tonumber(state[5]) or 0
  if now >= probesUntil then
    probes, probesUntil = 0, now + tonumber(ARGV[11])
    rcall('HSET', KEYS[2], 'probes', 0, 'probesUntil', probesUntil)
  end
  if probes >= tonumber(ARGV[12]) then return expire(probesUntil) end
  limit(tonumber(ARGV[12]) - probes, 'breaker', probesUntil)
  probe = 1
end

limit(tonumber(ARGV[9]) - rcall('ZCARD', KEYS[3]), 'concurrency', -1)

for i = 15, #ARGV, 2 do
  local quotaLimit, window = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local key = base .. 'quota:' .. ARGV[i + 1]
  rcall('ZREMRANGEBYSCORE', key, '-inf', now - window - margin)
  local counted = rcall('ZCARD', key)
  local nextAt = now
  if counted >= quotaLimit then
    local leaving = rcall('ZRANGE', key, counted - quotaLimit, counted - quotaLimit, 'WITHSCORES')
    nextAt = tonumber(leaving[2]) + window + margin
  end
  limit(quotaLimit - counted, 'quota', nextAt)
end

local interval = 1000 / tonumber(ARGV[7])
local tolerance = (tonumber(ARGV[8]) - 1) * interval - margin
local tat = tonumber(state[1])
local from = math.max(tat or now, now)
if tat and tat - tolerance > now then
  limit(0, 'rate', tat - tolerance)
else
  limit(1 + math.max(0, math.floor((now + tolerance - from) / interval)), 'rate', -1)
end

if room <= 0 then
  if blocked == 'concurrency' then rcall('SET', KEYS[5], 1, 'PX', 60000) end
  return { blocked, wakeAt }
end

local taken = 0
if ARGV[4] == '1' then
  local claimed = rcall('XAUTOCLAIM', KEYS[1], GROUP, consumer, leaseMs, '0-0', 'COUNT', room)
  for _, entry in ipairs(claimed[2]) do
    local pending = rcall('XPENDING', KEYS[1], GROUP, entry[1], entry[1], 1)[1]
    deliver(entry, pending[4], fieldOf(entry[2], 'k'), probe)
    taken = taken + 1
  end
end
if taken < room then
  local read = rcall('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', room - taken, 'STREAMS', KEYS[1], '>')
  if read then
    for _, entry in ipairs(read[1][2]) do
      deliver(entry, 1, fieldOf(entry[2], 'k'), probe)
      taken = taken + 1
    end
  end
end

if taken > 0 then
  rcall('HSET', KEYS[2], 'tat', from + taken * interval)
  if probe == 1 then rcall('HINCRBY', KEYS[2], 'probes', taken) end
  for i = 3, #out, 8 do
    local holder = out[i] .. '#' .. out[i + 3]
    rcall('ZADD', KEYS[3], now + leaseMs, holder)
    for q = 15, #ARGV, 2 do rcall('ZADD', base .. 'quota:' .. ARGV[q + 1], now, holder) end
    if ARGV[14] == '' then
      if out[i + 2] == 'c' then indexJob(base, out[i + 1], 'processing', out[i + 5]) end
    else
      local claim, before = claimJob(ARGV[14] .. out[i + 1] .. '}', out[i], out[i + 3], out[i + 2] == 'p' and 'poll' or 'call', ARGV[1])
      out[i + 7] = claim
      -- The claim knows where the job was listed: only its first call moves it from pending.
      if out[i + 2] == 'c' and before == 'pending' then
        rcall('ZREM', base .. 'status:pending', out[i + 1])
        rcall('ZADD', base .. 'status:processing', out[i + 5], out[i + 1])
      end
    end
  end
end

if taken < room then
  rcall('SET', KEYS[5], 1, 'PX', 60000)
  local head = rcall('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  out[1] = 'empty'
  out[2] = tonumber(head[2]) or -1
elseif blocked ~= '' then
  if blocked == 'concurrency' then rcall('SET', KEYS[5], 1, 'PX', 60000) end
  if blocked == 'rate' then wakeAt = from + taken * interval - tolerance end
  out[1] = blocked
  out[2] = wakeAt
end
return out
