import { createMemoryBackend } from '../../../../core/backends/memory/index.js'
import { tellingContract } from '../../telling-contract.js'

tellingContract('memory', false, async (t) => {
  const backend = createMemoryBackend({ leaseMs: 30_000, marginMs: 0 }, { maxJobs: 1000 })
  t.teardown(() => backend.close())
  return backend
})
