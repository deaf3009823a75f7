--[[
  Takes a job for one delivery of its queue entry (the rules of claimChange in core/job.ts): refused when
  the job ended, waits for a callback, or is held by another delivery; a later delivery of the same
  entry takes over from a holder whose lease expired. A call makes an attempt: the job is processing.

  Input:
    KEYS[1] the job hash

    ARGV[1] the entry's id
    ARGV[2] the delivery's number (how many times the entry was handed out)
    ARGV[3] 'call' or 'poll'
    ARGV[4] now, ms since the epoch

  Output:
    the job's hash as a flat array (field, value, ...) once claimed
    'missing', 'done' or 'held' - refused; nothing changed
]]
--- @include "includes/claim-job"

return (claimJob(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]))
