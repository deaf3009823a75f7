--[[
  Creates a batch's jobs and queues them, and keeps the batch, in one step, for one Redis that holds jobs
  and queues together: submit.lua's work for many jobs at once (each hash expiring after the store's TTL,
  an entry at the back of its team's ready list, the team ready for its share, the pending listing), with
  each vendor's sleeping dispatchers woken once. A job that exists already (a request taking over one that
  died) was created and queued with it, and is left alone. On a Redis Cluster, where a job's hash and its
  vendor's queue live on different nodes, create-job.lua and enqueue.lua run instead.

  Input:
    KEYS[1] the batch

    ARGV[1] TTL of the job hashes and of the batch, ms
    ARGV[2] the wake channel
    ARGV[3] the batch, as JSON
    ARGV[4] what every job's key starts with (keys.ts jobPrefix: the key is this, the id and '}')
    ARGV[5] the hash fields every job of the batch shares, as a JSON array [field, value, ...]
    ARGV[6] the jobs as one JSON array, each [vendor's place, team's place (from 1, among those below), id,
            createdAt, traceparent ('' when not traced), [field, value, ...] of its hash's other fields]:
            two arguments, cheap to send and to read however many jobs
    ARGV[7] v: how many vendors follow, then per vendor: its name, its key prefix, its wake flag
    then per team: its name, its weight

  Output:
    the number of jobs created (the others existed)
]]
--- @include "includes/entries"
--- @include "includes/wake"
--- @include "includes/clock"

local rcall = redis.call
local ttl = ARGV[1]
local vendors, teams = {}, {}
local i = 8
for _ = 1, tonumber(ARGV[7]) do
  vendors[#vendors + 1] = { name = ARGV[i], base = ARGV[i + 1], wake = ARGV[i + 2] }
  i = i + 3
end
for t = i, #ARGV, 2 do teams[#teams + 1] = { name = ARGV[t], weight = ARGV[t + 1] } end

-- Pushes `items` onto `key` with `command`, a thousand at a time: unpack takes only so many.
local function pushAll (command, key, items)
  for from = 1, #items, 1000 do rcall(command, key, unpack(items, from, math.min(from + 999, #items))) end
end

local now = clock('')
local created = 0
-- Per vendor and team: its ready list (the first job queued as one job is, the team's weight recorded and
-- the team ready for its share) and the entries of the others, pushed after it at once.
local groups = {}
-- Per vendor: the pending listing's new members, as ZADD takes them.
local pending = {}
local shared = cjson.decode(ARGV[5])
for _, job in ipairs(cjson.decode(ARGV[6])) do
  local v, t, id, createdAt, trace, own = job[1], job[2], job[3], job[4], job[5], job[6]
  local vendor, team = vendors[v], teams[t]
  local key = ARGV[4] .. id .. '}'
  if rcall('EXISTS', key) == 0 then
    if #shared > 0 then rcall('HSET', key, unpack(shared)) end
    if #own > 0 then rcall('HSET', key, unpack(own)) end
    rcall('PEXPIRE', key, ttl)
    local member = readyMember(now, 'c', createdAt, team.name, id, trace)
    local pair = v .. '|' .. t
    if groups[pair] == nil then
      groups[pair] = { list = queueReady(vendor.base, team.name, team.weight, member, false), members = {} }
    else
      local members = groups[pair].members
      members[#members + 1] = member
    end
    pending[v] = pending[v] or {}
    local listing = pending[v]
    listing[#listing + 1] = createdAt
    listing[#listing + 1] = id
    created = created + 1
  end
end
for _, group in pairs(groups) do pushAll('RPUSH', group.list, group.members) end
for v, listing in pairs(pending) do
  pushAll('ZADD', vendors[v].base .. 'status:pending', listing)
  wakeUp(vendors[v].wake, ARGV[2], vendors[v].name)
end
rcall('SET', KEYS[1], ARGV[3], 'PX', ttl)
return created
