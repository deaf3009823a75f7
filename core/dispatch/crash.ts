import { failChange } from '../ending.js'
import { clip } from '../input/clip.js'
import { isTerminal } from '../job.js'
import type { Log } from '../log.js'
import type { JobStore } from '../store.js'
import type { Delivery, Settlement } from './queue.js'

/**
 * Ends a delivery whose processing threw something other than a vendor's answer (a bug, a store write that
 * failed). Where one process is the whole fleet, nobody else takes the delivery over: left to its lease, it
 * would only throw again at each takeover. So the job fails now with the error, and the entry is settled.
 * Only a job this delivery holds, or one that no delivery holds and no callback is awaited for, is failed.
 */
export async function failCrashed (store: JobStore, log: Log, d: Delivery, err: unknown): Promise<Settlement> {
  log.error({ err, requestId: d.jobId, vendor: d.vendor }, 'job failed by an internal error')
  const job = await store.get(d.jobId)
  if (job === null || isTerminal(job.status) || job.waiting === 'callback') return { delivery: d }
  const error = `internal error while processing the job: ${clip(err instanceof Error ? err.message : String(err))}`
  const failed = failChange(error)
  const ended = job.holder === d.holder
    ? await store.settle(job.id, d.holder, failed)
    : job.holder === undefined && await store.transition(job.id, job.status, failed) !== null
  return ended ? { delivery: d, status: 'failed' } : { delivery: d }
}
