-- A waiting entry in its team's ready list: `<queuedAt>|<kind>|<createdAt>|<team>|<job id>`, then
-- `|<traceparent>` when traced; kind 'c' call, 'p' poll.
local function readyMember (queuedAt, kind, createdAt, team, id, trace)
  local member = queuedAt .. '|' .. kind .. '|' .. createdAt .. '|' .. team .. '|' .. id
  if trace ~= '' then member = member .. '|' .. trace end
  return member
end

-- queuedAt, kind, createdAt, team, job id and traceparent ('' when none) of a ready member.
local function parseReady (member)
  return string.match(member, '^(%d+)|(%a)|(%d+)|([^|]+)|([^|]+)|?(.*)$')
end

-- A delayed entry's member: `<kind>|<createdAt>|<job id>|<traceparent or ''>|<team>`.
local function delayedMember (kind, createdAt, team, id, trace)
  return kind .. '|' .. createdAt .. '|' .. id .. '|' .. trace .. '|' .. team
end

-- kind, createdAt, team, job id and traceparent ('' when none) of a delayed member; one written before
-- teams, `<kind>|<createdAt>|<job id>[|<traceparent>]`, is the default team's.
local function parseDelayed (member)
  local kind, createdAt, id, trace, team = string.match(member, '^(%a)|(%d+)|([^|]+)|([^|]*)|([^|]+)$')
  if kind then return kind, createdAt, team, id, trace end
  kind, createdAt, id, trace = string.match(member, '^(%a)|(%d+)|([^|]+)|?(.*)$')
  return kind, createdAt, 'default', id, trace
end

-- The vendor's virtual time, in the teams' passes hash: the lowest pass of the teams ready after the last turn.
local VTIME = ':vtime'

-- A team with work waiting joins the turn at the vendor's virtual time, or at its own pass when that is
-- later: waiting banks no share (core/dispatch/fair.ts). A team parked over its quota stays parked.
local function readyTeam (base, team)
  if redis.call('ZSCORE', base .. 'teams', team) or redis.call('ZSCORE', base .. 'parked', team) then return end
  local passes = redis.call('HMGET', base .. 'passes', team, VTIME)
  redis.call('ZADD', base .. 'teams', math.max(tonumber(passes[1]) or 0, tonumber(passes[2]) or 0), team)
end

-- Queues a waiting entry for its team, at the back (or the front: a call that could not leave in time),
-- and readies the team; each entry given a weight records it, so that a weight changed in TEAMS_FILE holds
-- from the team's next submission on, backlog or not. Answers the team's list.
local function queueReady (base, team, weight, member, front)
  local list = base .. 'ready:' .. team
  if front then redis.call('LPUSH', list, member) else redis.call('RPUSH', list, member) end
  if weight ~= '' then redis.call('HSET', base .. 'weights', team, weight) end
  readyTeam(base, team)
  return list
end
