import { createMemoryBackend } from '../../../../core/backends/memory/index.js'
import { createMemoryQueue } from '../../../../core/backends/memory/queue.js'
import { queueContract } from '../../dispatch/queue-contract.js'
import { indexContract } from '../../job-index-contract.js'

queueContract('memory', false, async (_t, { leaseMs = 30_000, marginMs = 0, clock }) => {
  const queue = createMemoryQueue({ leaseMs, marginMs }, clock === undefined ? Date.now : () => clock.now)
  return [queue, queue]
})

indexContract('memory', false, async () => createMemoryBackend({ leaseMs: 30_000, marginMs: 0 }, { maxJobs: 1000 }))
