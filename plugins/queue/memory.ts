import type { JobStore } from '../store/types.js'
import type { Delivery, JobQueue, QueueEntry } from './types.js'

/** Embedded mode's queue: an array and the readers waiting on it. Nothing survives the process. */
export function createMemoryQueue (store: JobStore): JobQueue {
  const ready: QueueEntry[] = []
  const waiting = new Set<() => void>()
  const delayed = new Set<NodeJS.Timeout>()
  let closed = false

  const wake = (): void => {
    for (const resume of waiting) resume()
    waiting.clear()
  }
  const push = (entry: QueueEntry): void => {
    ready.push(entry)
    wake()
  }
  const take = (max: number): Delivery[] =>
    ready.splice(0, max).map((entry) => ({ ...entry, deliveries: 1, ack: async () => {}, deadLetter: async () => {} }))

  return {
    kind: 'memory',
    async submit (job) {
      if (closed) throw new Error('queue is closed')
      await store.create(job)
      push({ id: job.id, vendor: job.vendor })
    },
    async replay (id, change) {
      if (closed) throw new Error('queue is closed')
      const job = await store.transition(id, 'failed', change)
      if (job !== null) push({ id, vendor: job.vendor })
      return job
    },
    async add (entry, delayMs = 0) {
      if (closed) throw new Error('queue is closed')
      if (delayMs <= 0) return push(entry)
      const timer = setTimeout(() => {
        delayed.delete(timer)
        push(entry)
      }, delayMs)
      delayed.add(timer)
    },
    async read (max, blockMs) {
      if (closed) return []
      if (ready.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, blockMs)
          function done (): void {
            clearTimeout(timer)
            waiting.delete(done)
            resolve()
          }
          waiting.add(done)
        })
      }
      return closed ? [] : take(max)
    },
    async ping () {
      if (closed) throw new Error('queue is closed')
    },
    async close () {
      closed = true
      for (const timer of delayed) clearTimeout(timer)
      delayed.clear()
      wake()
    }
  }
}
