import { setTimeout as sleep } from 'node:timers/promises'
import pLimit, { type LimitFunction } from 'p-limit'
import type { Delivery } from '../plugins/queue/types.js'
import { processJob, type WorkerDeps } from './process-job.js'

export interface Consumer {
  stop (): Promise<void>
}

export interface ConsumerOptions {
  /** Calls in flight per vendor. */
  lanes: Map<string, number>
  /** Deliveries after which an entry is dead-lettered and its job failed. */
  maxDeliveries: number
}

const READ_BLOCK_MS = 1000
const OUTAGE_PAUSE_MS = 500

/**
 * Reads the queue in batches while it has room, runs each job under its vendor's concurrency limit,
 * and acknowledges a delivery only once the job's new state is stored. A queue outage pauses the
 * loop; it never ends it.
 */
export function startConsumer (deps: WorkerDeps, opts: ConsumerOptions): Consumer {
  const { queue, store, log } = deps
  const capacity = [...opts.lanes.values()].reduce((a, b) => a + b, 0)
  const lanes = new Map([...opts.lanes].map(([name, n]) => [name, pLimit(n)] as [string, LimitFunction]))
  const inFlight = new Set<Promise<void>>()
  const abort = new AbortController()
  let roomFreed: (() => void) | undefined
  let failing = false

  const run = async (delivery: Delivery): Promise<void> => {
    if (delivery.deliveries > opts.maxDeliveries) {
      const reason = `delivered ${delivery.deliveries} times without finishing; moved to the dead-letter stream`
      const job = await store.get(delivery.id)
      if (job?.status === 'pending' || job?.status === 'processing') await store.transition(job.id, job.status, { status: 'failed', error: reason })
      await delivery.deadLetter(reason)
      log.warn({ requestId: delivery.id, deliveries: delivery.deliveries }, 'job dead-lettered')
      return
    }
    const lane = lanes.get(delivery.vendor)
    const attempt = (): Promise<void> => processJob(deps, delivery, abort.signal)
    await (lane === undefined ? attempt() : lane(attempt))
    await delivery.ack()
  }

  const loop = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      if (inFlight.size >= capacity) {
        await new Promise<void>((resolve) => { roomFreed = resolve })
        continue
      }
      let batch: Delivery[]
      try {
        batch = await queue.read(capacity - inFlight.size, READ_BLOCK_MS)
        if (failing) log.info('job queue readable again')
        failing = false
      } catch (err) {
        if (!failing) log.warn({ err }, 'cannot read the job queue; retrying')
        failing = true
        await sleep(OUTAGE_PAUSE_MS)
        continue
      }
      for (const delivery of batch) {
        const task = run(delivery)
          .catch((err: unknown) => {
            // Not acknowledged: the entry is delivered again once its claim times out.
            if (!abort.signal.aborted) log.error({ err, requestId: delivery.id }, 'job processing failed; it will be delivered again')
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
  const looping = loop()

  return {
    async stop () {
      abort.abort(new Error('worker stopping'))
      roomFreed?.()
      await looping
      await Promise.allSettled([...inFlight])
    }
  }
}
