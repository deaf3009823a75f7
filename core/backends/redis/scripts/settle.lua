--[[
  Settles deliveries of one vendor in one step: acknowledges (and deletes) each entry this worker still
  holds, or moves it to the dead-letter stream; releases its concurrency slot; queues what comes next
  (a retry or a poll, when due); watches a callback deadline (and forgets it once the job ended);
  keeps the vendor's own id for the job, for its callbacks; lists the job under its new status;
  pauses the vendor on a Retry-After; counts the calls' outcomes for the breaker. Wakes sleeping
  dispatchers when slots were released. A delivery whose call never left (it would have left later
  than its grant allows) gives its quota places back, and its slot in the bucket when none was granted
  after it (limits.ts slotBack), is no longer counted among its team's calls, and is queued again at the front of its team's list, without an attempt.
  Times are Redis's: the pause, the next call and the vendor's id's expiry come on the sender's clock
  and are moved onto Redis's by the difference between the two.

  Input:
    KEYS[1] the vendor's job-queue stream
    KEYS[2] the vendor's state hash
    KEYS[3] the vendor's concurrency slots
    KEYS[4] the vendor's delayed entries
    KEYS[5] the vendor's callback deadlines
    KEYS[6] the vendor's dead-letter stream
    KEYS[7] the vendor's wake flag

    ARGV[1]  '' for Redis's clock, or a fixed now in ms (tests)
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
    ARGV[12] the sender's clock, ms: when it sent this call (the job's updatedAt too)
    ARGV[13] what every job's key starts with (keys.ts jobPrefix): a job's key is this, its id and '}'
    ARGV[14] end-job's settings, the same for every delivery: the outbox prefix, then
    ARGV[15] the channel that wakes notifiers, and
    ARGV[16] the channel that wakes long polls
    ARGV[17...] per delivery, 19 fields: entry id, delivery number, job id, job createdAt,
                outcome ('ok', 'fail' or ''), probe ('1' or '0'), pause until (or ''),
                next due (or ''), next kind ('c' or 'p'), deadline (or ''), dead-letter reason (or ''),
                status (or ''), the vendor's own id for the job (or ''), until when to keep it,
                traceparent (or ''), the job's team, and when the call never left, what it gives
                back as JSON {quotas: the quota keys that counted it, slot?: its slot in the bucket,
                tat?: the bucket's time while nothing was granted after it, usage?: the usage hash
                and field that counted it} (or ''), then the change to record on the job (settle-job's
                JSON), '' when the job was settled apart (a Redis Cluster: its hash is on another node),
                then '' or what the call spent against what its take
                reserved, JSON {"d": micros to add (less than 0: given back), "a": when it was
                reserved, "w": [[window ms, bucket ms], ...] the team's budget ledgers on the vendor}

  What a call spent replaces its reservation (take.lua) in the vendor's `spent` and in the bucket of
  each ledger the reservation went to, whether or not the delivery still holds its job: the vendor was
  called all the same. What is given back is given back once, with the delivery's slot.

  A job's change is recorded first, in the same step, while the delivery still holds the job; when it
  no longer does, what comes next for the job (its retry, deadline, listing, vendor's id) is left to the
  delivery that does.

  Lua does not roll back, so every delivery is read before anything is written: one whose fields cannot be
  applied (a change that is not JSON, a time that is not a number) stops the script with nothing applied,
  and the caller can send the others again. Should a command fail past that point all the same, the
  deliveries before it stay applied, and sending them again changes nothing: the job no longer names them
  as its holder and their entries are no longer pending.

  Output:
    { the breaker's state afterwards ('open' or 'closed'), then 1 or 0 per delivery: its change applied }
]]
--- @include "includes/terminal"
--- @include "includes/entries"
--- @include "includes/index-job"
--- @include "includes/owned"
--- @include "includes/settle-job"
--- @include "includes/wake"
--- @include "includes/clock"

local rcall = redis.call
local now = clock(ARGV[1])
local shift = now - tonumber(ARGV[12])
local base = ARGV[3]
local ok, fail, probeOk, probeFail = 0, 0, false, false
local pauseUntil = 0
local applied = {}
local regranted = false

-- A time as the commands below take it: '' (none) or a finite number.
local function checkTime (text, what)
  local n = tonumber(text)
  if text ~= '' and (n == nil or n ~= n or math.abs(n) == math.huge) then error('settle: ' .. what .. ' is not a time: ' .. text) end
end

local ending = { o = ARGV[14], n = ARGV[15], c = ARGV[16] }
local changes, refunds, spends = {}, {}, {}
for i = 17, #ARGV, 19 do
  checkTime(ARGV[i + 6], 'pause')
  checkTime(ARGV[i + 7], 'next')
  checkTime(ARGV[i + 9], 'deadline')
  checkTime(ARGV[i + 13], 'ref until')
  if ARGV[i + 16] ~= '' then refunds[i] = cjson.decode(ARGV[i + 16]) end
  if ARGV[i + 17] ~= '' then changes[i] = cjson.decode(ARGV[i + 17]) end
  if ARGV[i + 18] ~= '' then
    local spend = cjson.decode(ARGV[i + 18])
    if type(spend.d) ~= 'number' or type(spend.a) ~= 'number' or spend.d ~= math.floor(spend.d) then error('settle: a spend is not whole micros at a time: ' .. ARGV[i + 18]) end
    spends[i] = spend
  end
end

for i = 17, #ARGV, 19 do
  local id, deliveries, job, createdAt = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local outcome, probe, pause = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
  local nextAt, nextKind, deadline, deadLetter, status = ARGV[i + 7], ARGV[i + 8], ARGV[i + 9], ARGV[i + 10], ARGV[i + 11]
  local vendorRef, refUntil, trace, team, refund = ARGV[i + 12], ARGV[i + 13], ARGV[i + 14], ARGV[i + 15], refunds[i]
  local held = changes[i] == nil or settleJob(ARGV[13] .. job .. '}', id .. '#' .. deliveries, ARGV[12], changes[i], ending, job)
  applied[#applied + 1] = held and 1 or 0
  if owned(KEYS[1], 'workers', ARGV[2], id, deliveries) then
    if deadLetter ~= '' then
      rcall('XADD', KEYS[6], 'MAXLEN', '~', ARGV[11], '*', 'j', job, 'deliveries', deliveries, 'reason', deadLetter)
    end
    rcall('XACK', KEYS[1], 'workers', id)
    rcall('XDEL', KEYS[1], id)
  end
  local released = rcall('ZREM', KEYS[3], id .. '#' .. deliveries)
  -- A refund applies with the slot it releases, so a settlement sent again gives nothing back twice; one
  -- whose slot expired keeps its reservation (counted spent: a budget may be underused, never overspent).
  local spend = spends[i]
  if spend ~= nil and (spend.d > 0 or (spend.d < 0 and released == 1)) then
    rcall('HINCRBY', base .. 'spent', team, spend.d)
    for _, w in ipairs(spend.w) do
      local key = base .. 'spend:' .. team .. ':' .. w[1]
      rcall('HINCRBY', key, math.floor(spend.a / w[2]), spend.d)
      rcall('PEXPIRE', key, w[1] + 2 * w[2])
    end
  end
  if refund ~= nil then
    for _, key in ipairs(refund.quotas) do rcall('ZREM', key, id .. '#' .. deliveries) end
    local tat = refund.slot and tonumber(rcall('HGET', KEYS[2], 'tat'))
    if tat and math.abs(tat - refund.tat) < 0.5 then rcall('HSET', KEYS[2], 'tat', string.format('%.17g', refund.slot)) end
    if refund.usage then rcall('HINCRBY', refund.usage[1], refund.usage[2], -1) end
  end
  if held then
    if refund ~= nil then
      queueReady(base, team, '', readyMember(now, nextKind, createdAt, team, job, trace), true)
      regranted = true
    elseif nextAt ~= '' then
      rcall('ZADD', KEYS[4], tonumber(nextAt) + shift, delayedMember(nextKind, createdAt, team, job, trace))
    end
    if deadline ~= '' then rcall('ZADD', KEYS[5], deadline, job) end
    if status ~= '' then indexJob(base, job, status, createdAt) end
    if isTerminal(status) then rcall('ZREM', KEYS[5], job) end
    if vendorRef ~= '' then rcall('SET', base .. 'ref:' .. vendorRef, job, 'PXAT', tonumber(refUntil) + shift) end
  end
  if pause ~= '' then pauseUntil = math.max(pauseUntil, tonumber(pause) + shift) end
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
-- A job back at the front is due at once, even for dispatchers that sleep on a quota or the bucket.
if regranted then rcall('PUBLISH', ARGV[4], ARGV[5]) end

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
if ok > 0 then rcall('HINCRBY', KEYS[2], 'b:' .. index .. ':ok', ok) end
-- The window is summed after successes too: one that brings the window to its minimum calls opens it.
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
