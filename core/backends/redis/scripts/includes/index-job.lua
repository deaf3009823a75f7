-- Lists a job under one status of its vendor: out of the other three status indexes, into this one.
local function indexJob (base, id, status, createdAt)
  for _, s in ipairs({ 'pending', 'processing', 'complete', 'failed' }) do
    if s == status then
      redis.call('ZADD', base .. 'status:' .. s, createdAt, id)
    else
      redis.call('ZREM', base .. 'status:' .. s, id)
    end
  end
end
