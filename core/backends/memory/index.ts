import type { Backend } from '../../backend.js'
import { replayJob } from '../../backend.js'
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
    tokens: createMemoryTokenCache(),
    async submit (job) {
      await store.create(job)
      await queue.enqueue(job.vendor, [{ id: job.id, createdAt: job.createdAt }])
    },
    replay: (id) => replayJob(store, queue, id),
    close: () => queue.close()
  }
}
