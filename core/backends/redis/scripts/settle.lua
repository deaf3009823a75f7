--[[
  Settles deliveries of one vendor in one step: acknowledges (and deletes) each entry this worker still
  holds, or moves it to the dead-letter stream; releases its concurrency slot; queues what comes next
  (a retry or a poll, when due); watches a callback deadline (and forgets it once the job ended);
  keeps the vendor's own id for the job, for its callbacks; lists the job under its new status;
  pauses the vendor on a Retry-After; counts the calls' outcomes for the breaker. Wakes sleeping
  dispatchers when slots were released.

  Input:
    KEYS[1] the vendor's job-queue stream
    KEYS[2] the vendor's state hash
    KEYS[3] the vendor's concurrency slots
    KEYS[4] the vendor's delayed entries
    KEYS[5] the vendor's callback deadlines
    KEYS[6] the vendor's dead-letter stream
    KEYS[7] the vendor's wake flag

    ARGV[1]  now, ms since the epoch
    ARGV[2]  this worker's consumer name
    ARGV[3]  the vendor's key prefix
    ARGV[4]  the wake channel
    ARGV[5]  the vendor's name
    ARGV[6]  breaker: window, ms
    ARGV[7]  breaker: bucket, ms
    ARGV[8]  breaker: minimum calls
    ARGV[9]  breaker: failure ratio
    ARGV[10] breaker: half-open interval, ms
    ARGV[11] dead letters kept, approximately
    ARGV[12...] per delivery, 17 fields: entry id, delivery number, job id, job createdAt,
                outcome ('ok', 'fail' or ''), probe ('1' or '0'), pause until (or ''),
                next due (or ''), next kind ('c' or 'p'), deadline (or ''), dead-letter reason (or ''),
                status (or ''), the vendor's own id for the job (or ''), until when to keep it,
                traceparent (or ''), the job's hash and the change to record on it (settle-job's JSON),
                both '' when the job was settled apart (a Redis Cluster: the hash is on another node)

  A job's change is recorded first, in the same step, while the delivery still holds the job; when it
  no longer does, what comes next for the job (its retry, deadline, listing, vendor's id) is left to the
  delivery that does.

  Output:
    { the breaker's state afterwards ('open' or 'closed'), then 1 or 0 per delivery: its change applied }
]]
--- @include "includes/entries"
--- @include "includes/index-job"
--- @include "includes/owned"
--- @include "includes/settle-job"
--- @include "includes/wake"

local rcall = redis.call
local now = tonumber(ARGV[1])
local base = ARGV[3]
local ok, fail, probeOk, probeFail = 0, 0, false, false
local pauseUntil = 0
local applied = {}

for i = 12, #ARGV, 17 do
  local id, deliveries, job, createdAt = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local outcome, probe, pause = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
  local nextAt, nextKind, deadline, deadLetter, status = ARGV[i + 7], ARGV[i + 8], ARGV[i + 9], ARGV[i + 10], ARGV[i + 11]
  local vendorRef, refUntil, trace = ARGV[i + 12], ARGV[i + 13], ARGV[i + 14]
  local held = ARGV[i + 15] == '' or settleJob(ARGV[i + 15], id .. '#' .. deliveries, ARGV[1], ARGV[i + 16])
  applied[#applied + 1] = held and 1 or 0
  if owned(KEYS[1], 'workers', ARGV[2], id, deliveries) then
    if deadLetter ~= '' then
      rcall('XADD', KEYS[6], 'MAXLEN', '~', ARGV[11], '*', 'j', job, 'deliveries', deliveries, 'reason', deadLetter)
    end
    rcall('XACK', KEYS[1], 'workers', id)
    rcall('XDEL', KEYS[1], id)
  end
  rcall('ZREM', KEYS[3], id .. '#' .. deliveries)
  if held then
    if nextAt ~= '' then rcall('ZADD', KEYS[4], nextAt, delayedMember(nextKind, createdAt, job, trace)) end
    if deadline ~= '' then rcall('ZADD', KEYS[5], deadline, job) end
    if status ~= '' then indexJob(base, job, status, createdAt) end
    if status == 'complete' or status == 'failed' then rcall('ZREM', KEYS[5], job) end
    if vendorRef ~= '' then rcall('SET', base .. 'ref:' .. vendorRef, job, 'PXAT', refUntil) end
  end
  if pause ~= '' then pauseUntil = math.max(pauseUntil, tonumber(pause)) end
  if outcome == 'ok' then
    if probe == '1' then probeOk = true else ok = ok + 1 end
  elseif outcome == 'fail' then
    if probe == '1' then probeFail = true else fail = fail + 1 end
  end
end

if pauseUntil > (tonumber(rcall('HGET', KEYS[2], 'pausedUntil')) or 0) then
  rcall('HSET', KEYS[2], 'pausedUntil', pauseUntil)
end
wakeUp(KEYS[7], ARGV[4], ARGV[5])

local function answer (state)
  return { state, unpack(applied) }
end

local function open ()
  rcall('HSET', KEYS[2], 'openUntil', now + tonumber(ARGV[10]), 'probes', 0, 'probesUntil', 0)
  return 'open'
end

local isOpen = rcall('HEXISTS', KEYS[2], 'openUntil') == 1
-- A probe's outcome decides a half-open breaker: any failure reopens it, a success closes it.
if isOpen and probeFail then return answer(open()) end
if isOpen and probeOk then
  local fields = rcall('HKEYS', KEYS[2])
  for _, field in ipairs(fields) do
    if string.sub(field, 1, 2) == 'b:' then rcall('HDEL', KEYS[2], field) end
  end
  rcall('HDEL', KEYS[2], 'openUntil', 'probes', 'probesUntil')
  isOpen = false
end
if ok + fail == 0 then
  return answer(isOpen and 'open' or 'closed')
end

-- Outcomes are counted in buckets `b:<index>:ok|fail` a tenth of the window long; the window is their sum.
local size = tonumber(ARGV[7])
local index = math.floor(now / size)
local counted = 0
if ok > 0 then counted = rcall('HINCRBY', KEYS[2], 'b:' .. index .. ':ok', ok) end
-- Successes alone cannot open a closed breaker: the window is summed (and its old buckets dropped) only
-- when calls failed, or once per bucket as it starts.
if fail == 0 and not isOpen and counted > ok then return answer('closed') end
if fail > 0 then rcall('HINCRBY', KEYS[2], 'b:' .. index .. ':fail', fail) end
local oldest = index - math.ceil(tonumber(ARGV[6]) / size) + 1
local okSum, failSum = 0, 0
local all = rcall('HGETALL', KEYS[2])
for f = 1, #all, 2 do
  local bucket, kind = string.match(all[f], '^b:(%d+):(%a+)$')
  if bucket then
    if tonumber(bucket) < oldest then
      rcall('HDEL', KEYS[2], all[f])
    elseif kind == 'ok' then
      okSum = okSum + tonumber(all[f + 1])
    else
      failSum = failSum + tonumber(all[f + 1])
    end
  end
end
if isOpen then return answer('open') end
local total = okSum + failSum
if total >= tonumber(ARGV[8]) and failSum >= tonumber(ARGV[9]) * total then return answer(open()) end
return answer('closed')
