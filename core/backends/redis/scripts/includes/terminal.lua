-- The statuses that end a job, and the rule (isTerminal in core/job.ts; test/core/backends/redis/rules.test.ts
-- runs every status through both).
local TERMINAL = { 'complete', 'failed' }
local function isTerminal (status)
  return status == 'complete' or status == 'failed'
end
