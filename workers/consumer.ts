import pLimit, { type LimitFunction } from 'p-limit'
import type { QueueEntry } from '../plugins/queue/types.js'
import { processJob, type WorkerDeps } from './process-job.js'

export interface Consumer {
  stop (): Promise<void>
}

const READ_BLOCK_MS = 1000

/**
 * Reads the queue in batches while it has room, runs each job under its vendor's concurrency limit,
 * and acknowledges a delivery only once the job's new state is stored.
 */
export function startConsumer (deps: WorkerDeps, vendorConcurrency: Map<string, number>): Consumer {
  const { queue, log } = deps
  const capacity = [...vendorConcurrency.values()].reduce((a, b) => a + b, 0)
  const lanes = new Map<string, LimitFunction>()
  for (const [name, n] of vendorConcurrency) lanes.set(name, pLimit(n))
  const inFlight = new Set<Promise<void>>()
  const abort = new AbortController()
  let roomFreed: (() => void) | undefined

  const run = async ({ id, vendor }: QueueEntry): Promise<void> => {
    const lane = lanes.get(vendor)
    const attempt = (): Promise<void> => processJob(deps, id, abort.signal)
    await (lane === undefined ? attempt() : lane(attempt))
  }

  const loop = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      if (inFlight.size >= capacity) {
        await new Promise<void>((resolve) => { roomFreed = resolve })
        continue
      }
      const batch = await queue.read(capacity - inFlight.size, READ_BLOCK_MS)
      for (const delivery of batch) {
        const task = run(delivery)
          .then(() => delivery.ack())
          .catch((err: unknown) => {
            if (!abort.signal.aborted) log.error({ err, requestId: delivery.id }, 'job processing failed')
          })
          .finally(() => {
            inFlight.delete(task)
            roomFreed?.()
            roomFreed = undefined
          })
        inFlight.add(task)
      }
    }
  }
  const looping = loop().catch((err: unknown) => log.error({ err }, 'consumer loop stopped'))

  return {
    async stop () {
      abort.abort(new Error('worker stopping'))
      roomFreed?.()
      await looping
      await Promise.allSettled([...inFlight])
    }
  }
}
