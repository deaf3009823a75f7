-- A queue entry: the job, its kind ('c' call, 'p' poll) and createdAt, and its traceparent when traced.
local function addEntry (stream, id, kind, createdAt, trace)
  if trace == '' then
    return redis.call('XADD', stream, '*', 'j', id, 'k', kind, 'c', createdAt)
  end
  return redis.call('XADD', stream, '*', 'j', id, 'k', kind, 'c', createdAt, 't', trace)
end

-- A delayed entry's member: `<kind>|<createdAt>|<job id>`, then `|<traceparent>` when traced.
local function delayedMember (kind, createdAt, id, trace)
  if trace == '' then
    return kind .. '|' .. createdAt .. '|' .. id
  end
  return kind .. '|' .. createdAt .. '|' .. id .. '|' .. trace
end

-- kind, createdAt, job id and traceparent ('' when none) of a delayed member.
local function parseDelayed (member)
  return string.match(member, '^(%a)|(%d+)|([^|]+)|?(.*)$')
end
