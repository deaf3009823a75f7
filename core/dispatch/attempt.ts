import { jobLog, type Log } from '../log.js'
import type { JobStore } from '../store.js'
import type { VendorClient } from '../../vendors/client.js'
import type { VendorConfig } from '../../vendors/config.js'
import { callVendor, pollVendor } from './call.js'
import type { Delivery, Settlement } from './queue.js'

/** A vendor as a delivery calls it. */
export interface AttemptVendor {
  config: VendorConfig
  client: VendorClient
  callbackUrl: string
}

export interface AttemptDeps {
  store: JobStore
  vendor (name: string): AttemptVendor | undefined
  log: Log
  /** Deliveries after which an entry is dead-lettered: a job that keeps killing its workers. */
  maxDeliveries: number
  /** The queue claims jobs as it takes them and records their changes as it settles them (DispatchQueue.claims). */
  queueSettles: boolean
}

/** A missing job younger than this may still be on its way: in a Redis Cluster its record and its entry live on two nodes. */
const ORPHAN_GRACE_MS = 30_000
const ORPHAN_RETRY_MS = 1_000

const entryTime = (entry: string): number => Number(entry.split('-')[0])

/**
 * Runs one delivery to its end: claims the job, calls (or polls) the vendor once, records the outcome
 * on the job (fenced by the delivery's holder) and says what the queue should do next. Every write is a
 * compare-and-set, so a stale or duplicate delivery changes nothing.
 */
export async function runDelivery (deps: AttemptDeps, d: Delivery, signal: AbortSignal): Promise<Settlement> {
  const { store } = deps
  const vendor = deps.vendor(d.vendor)
  if (d.kind === 'expire' || vendor === undefined || d.deliveries > deps.maxDeliveries) {
    const reason = d.kind === 'expire'
      ? `circuit open: ${d.vendor} kept failing and the job waited ${vendor?.config.maxWaitMs} ms for it to recover`
      : vendor === undefined
        ? `vendor "${d.vendor}" is no longer configured`
        : `delivered ${d.deliveries} times without finishing; moved to the dead-letter stream`
    const failed = await failUnheld(store, d.jobId, reason, d.kind === 'expire' ? undefined : d.entry)
    if (d.kind !== 'expire' && vendor !== undefined) jobLog(deps.log, d.jobId, d.vendor).warn({ deliveries: d.deliveries }, 'job dead-lettered')
    return { delivery: d, ...(failed ? { status: 'failed' as const } : {}), ...(d.kind !== 'expire' && vendor !== undefined ? { deadLetter: reason } : {}) }
  }

  const claim = d.claim ?? await store.claim(d.jobId, { entry: d.entry, deliveries: d.deliveries, kind: d.kind })
  if (!claim.ok) {
    if (claim.reason === 'missing' && Date.now() - entryTime(d.entry) < ORPHAN_GRACE_MS) {
      return { delivery: d, next: { at: Date.now() + ORPHAN_RETRY_MS, kind: d.kind } }
    }
    if (claim.reason === 'done') {
      // The job moved on while its settlement was lost (a worker died, Redis went away): the queue catches
      // up with it, listing it where it is and still watching an accepted job's deadline.
      const job = await store.get(d.jobId)
      if (job !== null) return { delivery: d, status: job.status, caughtUp: true, ...(job.waiting !== undefined && job.deadline !== undefined ? { deadline: job.deadline } : {}) }
    }
    return { delivery: d }
  }
  const run = { store, vendor, job: claim.job, delivery: d, signal, log: deps.log, queueSettles: deps.queueSettles }
  return d.kind === 'poll' ? pollVendor(run) : callVendor(run)
}

/** Fails a job waiting for a call that no live delivery holds (only `entry`'s own earlier deliveries may). */
async function failUnheld (store: JobStore, id: string, error: string, entry?: string): Promise<boolean> {
  const job = await store.get(id)
  if (job === null || (job.status !== 'pending' && job.status !== 'processing') || job.waiting !== undefined) return false
  if (job.holder !== undefined && (entry === undefined || !job.holder.startsWith(`${entry}#`))) return false
  return await store.transition(id, job.status, { status: 'failed', error, nextAttemptAt: null, holder: null }) !== null
}
