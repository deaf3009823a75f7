-- Whether `consumer` still holds this delivery of a stream entry: the fence for acknowledging and renewing.
local function owned (stream, group, consumer, id, deliveries)
  local row = redis.call('XPENDING', stream, group, id, id, 1)[1]
  return row ~= nil and row[2] == consumer and tonumber(row[4]) == tonumber(deliveries)
end
