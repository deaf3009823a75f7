--[[
  One team's intake window, run by rate-limiter-flexible's RateLimiterRedis as its customIncrTtlLuaScript:
  the jobs are counted only when they all fit, so that a refused batch leaves the window as it was (the
  library's own script counts refused points too).

  Input:
    KEYS[1] the team's intake counter

    ARGV[1] jobs to take
    ARGV[2] the window, seconds
    ARGV[3] the jobs a window takes
    ARGV[4] the window, seconds, again (the library passes its duration)

  Output:
    { the window's count with these jobs (counted or not), ms until the window ends }
]]
redis.call('SET', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local wanted = tonumber(redis.call('GET', KEYS[1])) + tonumber(ARGV[1])
if wanted <= tonumber(ARGV[3]) then
  redis.call('INCRBY', KEYS[1], ARGV[1])
end
return { wanted, redis.call('PTTL', KEYS[1]) }
