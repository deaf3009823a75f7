-- Redis's clock in ms: the one clock of the fleet's limits, slots and leases, whatever a worker's clock
-- says. `given` is '' but in tests, which fix the time.
local function clock (given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
