--[[
  Creates a job's hash, which expires after the store's TTL. Its queue entry is written by enqueue.lua
  in the vendor's slot: in a Redis Cluster the two live on different nodes.

  Input:
    KEYS[1] the job hash

    ARGV[1] TTL of the hash, ms
    ARGV[2...] the hash: field, value, field, value...

  Output:
    1 - created
    0 - a job with this id exists; nothing changed
]]
--- @include "includes/create-job"

return createJob(KEYS[1], ARGV[1], 2) and 1 or 0
