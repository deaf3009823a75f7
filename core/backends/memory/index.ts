import { EventEmitter } from 'node:events'
import type { Backend } from '../../backend.js'
import { createMemoryBatches } from '../../batches.js'
import { endListeners } from '../../ending.js'
import { createMemoryOutbox, dueAtEnd } from '../../notify/outbox.js'
import { tracedSubmit } from '../../tracing.js'
import { createMemoryTokenCache } from '../../../vendors/adapters/token-cache.js'
import { type DispatchSettings, queued } from '../../dispatch/queue.js'
import { replayJob, storeBatchJobs } from '../shared.js'
import { createMemoryHistory } from './history.js'
import { createMemoryIdempotencyKeys } from './idempotency.js'
import { createMemoryQueue } from './queue.js'
import { createMemoryResults } from './results.js'
import { createMemoryStore } from './store.js'

/** Embedded mode: jobs, queues and limits in this process only, at most `maxJobs` jobs. */
export function createMemoryBackend (settings: DispatchSettings, opts: { maxJobs: number }): Backend {
  const queue = createMemoryQueue(settings)
  const outbox = createMemoryOutbox()
  const batches = createMemoryBatches(opts.maxJobs)
  const ends = new EventEmitter()
  const listeners = endListeners()
  // One process: an end is told at once to the long polls, and its completion webhook is indexed in the same turn.
  ends.setMaxListeners(0)
  const store = createMemoryStore({
    maxJobs: opts.maxJobs,
    onEvict: (job) => queue.forget(job.vendor, job.id),
    onEnded: (job) => {
      const due = dueAtEnd(job)
      if (due !== undefined) void outbox.schedule(job.team, [due])
      ends.emit('ended', job.id)
      void listeners.tell(job)
    }
  })
  return {
    store,
    queue,
    index: store,
    tokens: createMemoryTokenCache(),
    submit: (job) => tracedSubmit(job, async (traced) => {
      await store.create(traced)
      await queue.enqueue(traced.vendor, [queued(traced)])
    }),
    async submitBatch (batch, jobs) {
      await storeBatchJobs(store, queue, jobs)
      await batches.create(batch)
    },
    batches,
    outbox,
    onEnded (listener) {
      ends.on('ended', listener)
      return () => ends.off('ended', listener)
    },
    onJobEnded: (listener, only) => listeners.add(listener, only),
    results: createMemoryResults(opts.maxJobs),
    replay: (id) => replayJob(store, queue, id),
    // A key beyond the jobs kept could only name an evicted job.
    idempotency: createMemoryIdempotencyKeys(opts.maxJobs),
    history: createMemoryHistory(),
    // This process is the whole fleet.
    lease: async () => true,
    close: () => queue.close()
  }
}
