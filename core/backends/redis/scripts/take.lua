--[[
  Takes work for one vendor with every grant it needs, in one step for the whole fleet: no pause (an
  operator's or the vendor's own Retry-After), a breaker that is closed (or a probe of a half-open one),
  a free concurrency slot, room in every quota's sliding window and a slot of the bucket. Only then are
  entries taken: expired leases first, when asked, then waiting entries shared between the teams that
  have them by their weights (core/dispatch/fair.ts), each team within its own quotas on the vendor. A
  waiting entry taken is added to the vendor's stream and read by this consumer, so that it holds a
  lease and its slot until settled or its lease expires. Nothing waits for a grant while holding an
  entry. Due retries and polls are promoted first, and teams whose quota has room again are ready again.

  rate-limiter-flexible checks one limit per call; granting several limits, sharing them and reading the
  queue must happen together, hence this script. Every time is Redis's own (TIME), the one clock of the
  fleet's limits whatever each worker's clock says. Quotas count their window widened by their margin,
  longer than a granted call may take to leave; the bucket's interval and tolerance come shaped for it
  (see core/dispatch/limits.ts, which the in-memory dispatcher shares).

  While the breaker refuses calls, waiting calls of jobs older than maxWaitMs are handed out as 'x'
  (expire), without grants; and a team over its quota until later than one of its jobs may wait has that
  job handed out as 'q': the worker fails both instead of letting them wait for ever.

  Each call granted reserves what it may cost in its team's spend (the vendor's `spent` and the ledger
  of each budget window, core/dispatch/spend.ts), and a team is granted only the calls its budgets can
  pay for, reservations included: however many workers take at once, a budget is never overspent. A
  team that cannot pay for one more call has its waiting entries handed out as 'b', failed by the worker
  without a call. settle.lua gives back what a call did not spend. A takeover reserves nothing: the
  reservation of the delivery it takes over stays.

  Input:
    KEYS[1] the vendor's job-queue stream
    KEYS[2] the vendor's state hash (tat, pausedUntil, openUntil, probes, probesUntil, hold, breaker buckets)
    KEYS[3] the vendor's concurrency slots (zset holder -> lease expiry)
    KEYS[4] the vendor's delayed entries (zset)
    KEYS[5] the vendor's wake flag
    KEYS[6] the vendor's usage hash: calls granted per usage bucket and team (core/dispatch/usage.ts)

    ARGV[1]  '' for Redis's clock, or a fixed now in ms (tests)
    ARGV[2]  this worker's consumer name
    ARGV[3]  the most entries wanted
    ARGV[4]  '1' to take over entries whose lease expired
    ARGV[5]  lease, ms
    ARGV[6]  the bucket's interval, ms (may be fractional)
    ARGV[7]  the bucket's tolerance, ms
    ARGV[8]  the bucket's catch-up, ms: how long after its slot a call may still be granted it
    ARGV[9]  the bucket's lookahead, ms: how long before it may leave a call may be granted its slot
    ARGV[10] concurrency
    ARGV[11] maxWaitMs
    ARGV[12] breaker: half-open interval, ms
    ARGV[13] breaker: probes per interval
    ARGV[14] the vendor's key prefix, for its quota, status, ready, teams, parked, passes and weights keys
    ARGV[15] the jobs' key prefix (`<prefix>:job:{`) to claim each job here too, in the same step;
             '' to leave the claims to claim-job.lua (a Redis Cluster, where a job's hash is on another node)
    ARGV[16] micros reserved per call granted (0: calls cost nothing)
    ARGV[17] '' or JSON of the teams' budgets on the vendor: per team, a list of budgets, each a list of
             limit (micros), window ms, bucket ms and the same window's ledger keys of the team's other
             vendors (for a budget of all its vendors, on one Redis; none on a Cluster)
    ARGV[18] n, the vendor's quotas, then n times: limit, window ms, margin ms
    then, per team with quotas of its own on the vendor: the team, m, then m times: limit, window ms, margin ms

  Output:
    { blocked, wakeAt, now, from, then per delivery: id, job, kind, deliveries, probe, createdAt, traceparent, claim, team, queuedAt }
    blocked: '' (more may be granted now), 'empty', 'paused', 'breaker', 'rate', 'quota' or 'concurrency'
    wakeAt: when a take may grant again, ms since the epoch, or -1 (unknown: on a wake-up)
    now: the time the grants were made at, by the clock of wakeAt
    from: the first granted call's slot in the bucket (the next ones follow an interval apart), or -1
    kind: 'c' call, 'p' poll, 'x' expired (breaker), 'q' expired (team quota), 'b' over budget; probe: 1 when the call is a
    half-open breaker's probe; traceparent: '' when the job is not traced; queuedAt: when the entry was queued
    claim: with ARGV[15], what claim-job.lua would answer (the job's hash, or why it was refused); else ''
]]
--- @include "includes/entries"
--- @include "includes/index-job"
--- @include "includes/claim-job"
--- @include "includes/clock"

local rcall = redis.call
local GROUP = 'workers'
local now = clock(ARGV[1])
local consumer = ARGV[2]
local max = tonumber(ARGV[3])
local leaseMs = tonumber(ARGV[5])
local maxWait = tonumber(ARGV[11])
local base = ARGV[14]
local TEAMS, PARKED, PASSES, WEIGHTS = base .. 'teams', base .. 'parked', base .. 'passes', base .. 'weights'

local function fieldOf (fields, name)
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
end

-- The vendor's quotas, and each team's own: { { limit, window, margin, key } ... }.
local vendorQuotas, teamQuotas = {}, {}
local at = 19
for _ = 1, tonumber(ARGV[18]) do
  vendorQuotas[#vendorQuotas + 1] = { tonumber(ARGV[at]), tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), base .. 'quota:' .. ARGV[at + 1] }
  at = at + 3
end
while at <= #ARGV do
  local team, quotas = ARGV[at], {}
  for q = 1, tonumber(ARGV[at + 1]) do
    local i = at + 2 + (q - 1) * 3
    quotas[q] = { tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), base .. 'tquota:' .. team .. ':' .. ARGV[i + 1] }
  end
  teamQuotas[team] = quotas
  at = at + 2 + #quotas * 3
end

-- How many more calls these quotas allow now, and when one more fits when none does.
local function quotaRoom (quotas)
  local room, nextAt = math.huge, now
  for _, q in ipairs(quotas) do
    local limit, window, margin, key = q[1], q[2], q[3], q[4]
    rcall('ZREMRANGEBYSCORE', key, '-inf', now - window - margin)
    local counted = rcall('ZCARD', key)
    if counted >= limit then
      local leaving = rcall('ZRANGE', key, counted - limit, counted - limit, 'WITHSCORES')
      nextAt = math.max(nextAt, tonumber(leaving[2]) + window + margin)
    end
    room = math.min(room, limit - counted)
  end
  return room, nextAt
end

local reserve = tonumber(ARGV[16])
local budgets = {}
if ARGV[17] ~= '' then budgets = cjson.decode(ARGV[17]) end

-- A ledger's sum now: the buckets any part of which is still inside the window; this vendor's own
-- ledger drops those that left it.
local function ledgerSum (key, window, size, own)
  local from = math.floor((now - window) / size)
  local all = rcall('HGETALL', key)
  local sum = 0
  for i = 1, #all, 2 do
    if tonumber(all[i]) < from then
      if own then rcall('HDEL', key, all[i]) end
    else
      sum = sum + tonumber(all[i + 1])
    end
  end
  return sum
end

-- How many more calls the team's budgets can pay for, reservations included.
local function affordable (team)
  local rules = budgets[team]
  if not rules or reserve <= 0 then return math.huge end
  local calls = math.huge
  for _, b in ipairs(rules) do
    local spent = ledgerSum(base .. 'spend:' .. team .. ':' .. b[2], b[2], b[3], true)
    for _, key in ipairs(b[4]) do spent = spent + ledgerSum(key, b[2], b[3], false) end
    calls = math.min(calls, math.max(0, math.floor((b[1] - spent) / reserve)))
  end
  return calls
end

-- A Redis that lost its data lost the consumer group too: made again before anything is entered in the stream.
if rcall('EXISTS', KEYS[1]) == 0 then rcall('XGROUP', 'CREATE', KEYS[1], GROUP, '0', 'MKSTREAM') end
rcall('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local state = rcall('HMGET', KEYS[2], 'tat', 'pausedUntil', 'openUntil', 'probes', 'probesUntil', 'hold')
-- An operator's pause lasts until resumed, and the resume wakes the dispatchers sleeping on it.
if state[6] then
  rcall('SET', KEYS[5], 1, 'PX', 60000)
  return { 'paused', -1, now, -1 }
end
local pausedUntil = tonumber(state[2])
if pausedUntil and pausedUntil > now then
  return { 'paused', pausedUntil, now, -1 }
end

local weights = {}
local function weightOf (team)
  if not weights[team] then weights[team] = tonumber(rcall('HGET', WEIGHTS, team)) or 1 end
  return weights[team]
end

local due = rcall('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 1000)
for _, member in ipairs(due) do
  local kind, createdAt, team, id, trace = parseDelayed(member)
  queueReady(base, team, '', readyMember(now, kind, createdAt, team, id, trace), false)
  rcall('ZREM', KEYS[4], member)
end
for _, team in ipairs(rcall('ZRANGEBYSCORE', PARKED, '-inf', now)) do
  rcall('ZREM', PARKED, team)
  if rcall('LLEN', base .. 'ready:' .. team) > 0 then readyTeam(base, team) end
end

local out = { '', -1, now, -1 }
local function deliver (entry, deliveries, kind, probe)
  out[#out + 1] = entry[1]
  out[#out + 1] = fieldOf(entry[2], 'j')
  out[#out + 1] = kind
  out[#out + 1] = deliveries
  out[#out + 1] = probe
  out[#out + 1] = fieldOf(entry[2], 'c')
  out[#out + 1] = fieldOf(entry[2], 't') or ''
  out[#out + 1] = ''
  out[#out + 1] = fieldOf(entry[2], 'm') or 'default'
  out[#out + 1] = fieldOf(entry[2], 'q') or string.match(entry[1], '^(%d+)')
end

-- Waiting entries taken are added to the stream and read by this consumer: a lease each, in the PEL.
-- An expired one is entered as what it is ('x' or 'q'), so that a takeover of it expires it too.
local entered = 0
local function enter (member, kind)
  local queuedAt, entryKind, createdAt, team, id, trace = parseReady(member)
  local fields = { 'j', id, 'k', kind or entryKind, 'c', createdAt, 'm', team, 'q', queuedAt }
  if trace ~= '' then
    fields[#fields + 1] = 't'
    fields[#fields + 1] = trace
  end
  rcall('XADD', KEYS[1], '*', unpack(fields))
  entered = entered + 1
end
-- Reads what was entered, up to `count`: an entry left unread by an earlier version comes first, and
-- those entered here then wait for the next take.
local function readEntered (probe, count)
  entered = 0
  if count <= 0 then return 0 end
  local read = rcall('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', count, 'STREAMS', KEYS[1], '>')
  local n = 0
  if read then
    for _, entry in ipairs(read[1][2]) do
      local kind = fieldOf(entry[2], 'k')
      deliver(entry, 1, kind, (kind == 'x' or kind == 'q' or kind == 'b') and 0 or probe)
      n = n + 1
    end
  end
  return n
end

-- A team with nothing left ready leaves the turn, keeping its pass for when it has work again.
local function settleTurn (team, pass, list)
  if rcall('LLEN', list) == 0 then
    rcall('ZREM', TEAMS, team)
    rcall('HSET', PASSES, team, pass)
  else
    rcall('ZADD', TEAMS, pass, team)
  end
end

-- Waiting calls of jobs that cannot be called before `by` and would wait past maxWaitMs by then are
-- handed out as `kind`, up to `room`, from the front of each team's list.
local function expireFrom (teams, by, kind, room)
  local taken = 0
  for _, team in ipairs(teams) do
    local list = base .. 'ready:' .. team
    while taken < room do
      local head = rcall('LINDEX', list, 0)
      if not head then break end
      local _, entryKind, createdAt = parseReady(head)
      if entryKind ~= 'c' or tonumber(createdAt) + maxWait > by then break end
      rcall('LPOP', list)
      enter(head, kind)
      taken = taken + 1
    end
    local pass = rcall('ZSCORE', TEAMS, team)
    if pass and rcall('LLEN', list) == 0 then
      rcall('ZREM', TEAMS, team)
      rcall('HSET', PASSES, team, pass)
    end
  end
  return taken
end

-- The breaker refuses calls: hand out the waiting jobs that are past maxWaitMs, and nothing else.
local function expire (wakeAt)
  out[1] = 'breaker'
  out[2] = wakeAt
  local teams = rcall('ZRANGE', TEAMS, 0, -1)
  for _, team in ipairs(rcall('ZRANGE', PARKED, 0, -1)) do teams[#teams + 1] = team end
  expireFrom(teams, now, 'x', max)
  readEntered(0, entered)
  return out
end

local room = max
local blocked, wakeAt = '', -1
-- Wake-up times are rounded up to whole ms: a reply would cut their fraction, waking a take too early.
local function limit (n, why, at)
  if n < room then
    room = n
    blocked = why
    wakeAt = math.ceil(at)
  end
end

local probe = 0
local openUntil = tonumber(state[3])
if openUntil then
  if now < openUntil then return expire(openUntil) end
  local probes, probesUntil = tonumber(state[4]) or 0, tonumber(state[5]) or 0
  if now >= probesUntil then
    probes, probesUntil = 0, now + tonumber(ARGV[12])
    rcall('HSET', KEYS[2], 'probes', 0, 'probesUntil', probesUntil)
  end
  if probes >= tonumber(ARGV[13]) then return expire(probesUntil) end
  limit(tonumber(ARGV[13]) - probes, 'breaker', probesUntil)
  probe = 1
end

limit(tonumber(ARGV[10]) - rcall('ZCARD', KEYS[3]), 'concurrency', -1)
local vendorRoom, vendorNext = quotaRoom(vendorQuotas)
limit(vendorRoom, 'quota', vendorNext)

local interval = tonumber(ARGV[6])
local tolerance = tonumber(ARGV[7])
local lookahead = tonumber(ARGV[9])
local tat = tonumber(state[1])
-- A slot that came due a moment ago is still the next call's; one long past is gone (nothing waited for it).
local from = now
if tat and tat > now - tonumber(ARGV[8]) then from = tat end
if tat and tat - tolerance > now + lookahead then
  limit(0, 'rate', tat - tolerance - lookahead)
else
  limit(1 + math.floor((now + lookahead + tolerance - from) / interval), 'rate', -1)
end

if room <= 0 then
  if blocked == 'concurrency' then rcall('SET', KEYS[5], 1, 'PX', 60000) end
  return { blocked, wakeAt, now, -1 }
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

-- Each turn goes to the ready team with the lowest pass, for as many calls as keep it from passing the next.
-- A team whose quota this take used up sits out the rest of it; one whose quota was used up before is parked.
local vtime = tonumber(rcall('HGET', PASSES, VTIME)) or 0
local takenBy, sittingOut = {}, {}
-- Entries of teams over their budget take no grant: they use none of the room, only the worker's places.
local ungranted = 0
while taken + entered - ungranted < room and taken + entered < max do
  local head = rcall('ZRANGE', TEAMS, 0, 1, 'WITHSCORES')
  if #head == 0 then break end
  local team, pass = head[1], tonumber(head[2])
  local list = base .. 'ready:' .. team
  local want = math.min(room - (taken + entered - ungranted), max - taken - entered)
  local quotas = teamQuotas[team]
  local teamRoom, teamNext = math.huge, now
  if quotas then teamRoom, teamNext = quotaRoom(quotas) end
  teamRoom = teamRoom - (takenBy[team] or 0)
  local afford = affordable(team) - (takenBy[team] or 0)
  if afford <= 0 and not takenBy[team] then
    -- Its budgets cannot pay for one more call: its waiting entries go out as 'b', failed without a call.
    -- They take no grant, so the other teams' turns go on in the same take.
    local popped = rcall('LPOP', list, want)
    if popped then
      for _, member in ipairs(popped) do enter(member, 'b') end
      ungranted = ungranted + #popped
    end
    rcall('ZREM', TEAMS, team)
    if rcall('LLEN', list) == 0 then rcall('HSET', PASSES, team, pass) else sittingOut[team] = pass end
  elseif math.min(teamRoom, afford) <= 0 and takenBy[team] then
    rcall('ZREM', TEAMS, team)
    sittingOut[team] = pass
  elseif teamRoom <= 0 then
    -- Over its own quota: parked until it has room again, its jobs that cannot wait that long failed.
    rcall('ZREM', TEAMS, team)
    rcall('HSET', PASSES, team, pass)
    expireFrom({ team }, teamNext, 'q', want)
    if rcall('LLEN', list) > 0 then rcall('ZADD', PARKED, teamNext, team) end
  else
    local weight = weightOf(team)
    local n = 1
    teamRoom = math.min(teamRoom, afford)
    if #head > 2 then n = math.min(want, teamRoom, 1 + math.floor((tonumber(head[4]) - pass) * weight)) else n = math.min(want, teamRoom) end
    n = math.max(1, n)
    local popped = rcall('LPOP', list, n)
    if not popped then
      rcall('ZREM', TEAMS, team)
    else
      for _, member in ipairs(popped) do enter(member) end
      takenBy[team] = (takenBy[team] or 0) + #popped
      pass = pass + #popped / weight
      -- The lowest pass of the teams ready now: a newcomer joins there, not at a small-weight team's moved
      -- pass, which may be far ahead of everyone's.
      local lowest = pass
      if #head > 2 then lowest = math.min(pass, tonumber(head[4])) end
      vtime = math.max(vtime, lowest)
      settleTurn(team, pass, list)
    end
  end
end
for team, pass in pairs(sittingOut) do rcall('ZADD', TEAMS, pass, team) end
rcall('HSET', PASSES, VTIME, vtime)
readEntered(probe, math.min(room + ungranted, max) - taken)

-- Expired entries take no grant: only calls and polls count against the limits.
local granted = 0
-- First deliveries per team, whose cost is reserved once the grants are made.
local reserving = {}
local counts = {}
for i = 5, #out, 10 do
  local kind = out[i + 2]
  local holder = out[i] .. '#' .. out[i + 3]
  if kind ~= 'x' and kind ~= 'q' and kind ~= 'b' then
    if reserve > 0 and tonumber(out[i + 3]) == 1 then reserving[out[i + 8]] = (reserving[out[i + 8]] or 0) + 1 end
    rcall('ZADD', KEYS[3], now + leaseMs, holder)
    -- Quotas count a call at the earliest it may leave: its slot less the tolerance, or now (limits.ts departureWindow).
    local slot = from + granted * interval
    local stamp = now + math.max(0, slot - tolerance - now)
    granted = granted + 1
    -- Counted in the minute of its slot, where a call that never left takes it back (settle.lua).
    local counted = math.floor(slot / 60000) .. ':' .. out[i + 8]
    counts[counted] = (counts[counted] or 0) + 1
    for _, q in ipairs(vendorQuotas) do rcall('ZADD', q[4], stamp, holder) end
    for _, q in ipairs(teamQuotas[out[i + 8]] or {}) do rcall('ZADD', q[4], stamp, holder) end
    if ARGV[15] == '' then
      if kind == 'c' then indexJob(base, out[i + 1], 'processing', out[i + 5]) end
    else
      local claim, before = claimJob(ARGV[15] .. out[i + 1] .. '}', out[i], out[i + 3], kind == 'p' and 'poll' or 'call', now)
      out[i + 7] = claim
      -- The claim knows where the job was listed: only its first call moves it from pending.
      if kind == 'c' and before == 'pending' then
        rcall('ZREM', base .. 'status:pending', out[i + 1])
        rcall('ZADD', base .. 'status:processing', out[i + 5], out[i + 1])
      end
    end
  end
end
-- Each team's reservations at once: in all, and once in each budget window's ledger.
for team, n in pairs(reserving) do
  rcall('HINCRBY', base .. 'spent', team, n * reserve)
  local seen = {}
  for _, b in ipairs(budgets[team] or {}) do
    local key = base .. 'spend:' .. team .. ':' .. b[2]
    if not seen[key] then
      seen[key] = true
      rcall('HINCRBY', key, math.floor(now / b[3]), n * reserve)
      rcall('PEXPIRE', key, b[2] + 2 * b[3])
    end
  end
end
if granted > 0 then
  -- Calls per team by the minute, the last hour's kept (USAGE_BUCKET_MS and USAGE_BUCKETS of usage.ts).
  local bucket = math.floor(now / 60000)
  if rcall('HGET', KEYS[6], 'bucket') ~= tostring(bucket) then
    local fields = rcall('HKEYS', KEYS[6])
    for _, field in ipairs(fields) do
      local b = tonumber(string.match(field, '^(%d+):'))
      if b and b <= bucket - 60 then rcall('HDEL', KEYS[6], field) end
    end
    rcall('HSET', KEYS[6], 'bucket', bucket)
    rcall('PEXPIRE', KEYS[6], 3600000 + 60000)
  end
  for field, n in pairs(counts) do rcall('HINCRBY', KEYS[6], field, n) end
  -- As text: a number in a script's reply loses its fraction.
  out[4] = string.format('%.17g', from)
  rcall('HSET', KEYS[2], 'tat', from + granted * interval)
  if probe == 1 then rcall('HINCRBY', KEYS[2], 'probes', granted) end
end

if (#out - 4) / 10 < room then
  rcall('SET', KEYS[5], 1, 'PX', 60000)
  local delayed = rcall('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  local parked = rcall('ZRANGE', PARKED, 0, 0, 'WITHSCORES')
  local soonest = tonumber(delayed[2])
  if parked[2] and (not soonest or tonumber(parked[2]) < soonest) then soonest = tonumber(parked[2]) end
  out[1] = 'empty'
  out[2] = soonest and math.ceil(soonest) or -1
elseif blocked ~= '' then
  if blocked == 'concurrency' then rcall('SET', KEYS[5], 1, 'PX', 60000) end
  if blocked == 'rate' then wakeAt = math.ceil(from + granted * interval - tolerance - lookahead) end
  out[1] = blocked
  out[2] = wakeAt
end
return out
