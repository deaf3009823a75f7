import type { Backend } from '../../backend.js'
import { queued, replayJob } from '../../backend.js'
import { tracedSubmit } from '../../tracing.js'
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
    index: store,
    tokens: createMemoryTokenCache(),
    submit: (job) => tracedSubmit(job, async (traced) => {
      await store.create(traced)
      await queue.enqueue(traced.vendor, [queued(traced)])
    }),
    replay: (id) => replayJob(store, queue, id),
    // A key beyond the jobs kept could only name an evicted job.
    idempotency: createMemoryIdempotencyKeys(opts.maxJobs),
    // This process is the whole fleet.
    lease: async () => true,
    close: () => queue.close()
  }
}
