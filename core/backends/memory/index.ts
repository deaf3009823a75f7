import type { Backend } from '../../backend.js'
import { replayJob } from '../../backend.js'
import { createMemoryTokenCache } from '../../../vendors/adapters/token-cache.js'
import type { DispatchSettings } from '../../dispatch/queue.js'
import { createMemoryIdempotencyKeys } from './idempotency.js'
import { createMemoryQueue } from './queue.js'
import { createMemoryStore } from './store.js'

/** Embedded mode: jobs, queues and limits in this process only, at most `maxJobs` jobs. */
export function createMemoryBackend (settings: DispatchSettings, opts: { maxJobs: number }): Backend {
  const queue = createMemoryQueue(settings)
  const store = createMemoryStore({ maxJobs: opts.maxJobs, onEvict: (job) => queue.forget(job.vendor, job.id) })
  return {
    store,
    queue,
    tokens: createMemoryTokenCache(),
    async submit (job) {
      await store.create(job)
      await queue.enqueue(job.vendor, [{ id: job.id, createdAt: job.createdAt }])
    },
    replay: (id) => replayJob(store, queue, id),
    // A key beyond the jobs kept could only name an evicted job.
    idempotency: createMemoryIdempotencyKeys(opts.maxJobs),
    // This process is the whole fleet.
    lease: async () => true,
    close: () => queue.close()
  }
}
