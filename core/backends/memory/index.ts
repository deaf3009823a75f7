import type { Backend } from '../../backend.js'
import { queued, replayJob } from '../../backend.js'
import { tracedSubmit } from '../../tracing.js'
import { createMemoryTokenCache } from '../../../vendors/adapters/token-cache.js'
import type { DispatchSettings } from '../../dispatch/queue.js'
import { createMemoryQueue } from './queue.js'
import { createMemoryStore } from './store.js'

/** Embedded mode: jobs, queues and limits in this process only. */
export function createMemoryBackend (settings: DispatchSettings): Backend {
  const store = createMemoryStore()
  const queue = createMemoryQueue(settings)
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
    close: () => queue.close()
  }
}
