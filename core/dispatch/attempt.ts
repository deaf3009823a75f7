import { failChange } from '../ending.js'
import type { KeyRules } from '../input/payload-keys.js'
import { jobLog, type Log } from '../log.js'
import type { JobStore } from '../store.js'
import { type AttemptVendor, callVendor, pollVendor } from './call.js'
import type { Delivery, Settlement } from './queue.js'
import type { CallStop } from '../../vendors/stop.js'
import { BUDGET_CODE, TEAM_QUOTA_CODE } from '../team-failures.js'

export interface AttemptDeps {
  store: JobStore
  vendor (name: string): AttemptVendor | undefined
  log: Log
  /** Deliveries after which an entry is dead-lettered: a job that keeps killing its workers. */
  maxDeliveries: number
  /** The queue claims jobs as it takes them and records their changes as it settles them (DispatchQueue.claims). */
  queueSettles: boolean
  /** The keys the job store refuses (DESIGN "HTTP contract"): a result carrying one fails its job. */
  keyRules: KeyRules
}


/** A missing job younger than this may still be on its way: in a Redis Cluster its record and its entry live on two nodes. */
const ORPHAN_GRACE_MS = 30_000
const ORPHAN_RETRY_MS = 1_000

/**
 * Runs one delivery to its end: claims the job, calls (or polls) the vendor once, records the outcome
 * on the job (fenced by the delivery's holder) and says what the queue should do next. Every write is a
 * compare-and-set, so a stale or duplicate delivery changes nothing.
 */
export async function runDelivery (deps: AttemptDeps, d: Delivery, stop: CallStop): Promise<Settlement> {
  const { store } = deps
  const vendor = deps.vendor(d.vendor)
  if (d.kind === 'expire' || d.kind === 'quota' || d.kind === 'budget' || vendor === undefined || d.deliveries > deps.maxDeliveries) {
    const expired = d.kind === 'expire' || d.kind === 'quota' || d.kind === 'budget'
    const reason = d.kind === 'budget'
      ? `${BUDGET_CODE}: team ${d.team} cannot afford another call of ${d.vendor} within its budget`
      : d.kind === 'expire'
      ? `circuit open: ${d.vendor} kept failing and the job waited ${vendor?.config.maxWaitMs} ms for it to recover`
      : d.kind === 'quota'
        ? `${TEAM_QUOTA_CODE}: team ${d.team} used its quota on ${d.vendor}, and the job would wait past its maxWaitMs (${vendor?.config.maxWaitMs} ms) for room`
        : vendor === undefined
          ? `vendor "${d.vendor}" is no longer configured`
          : `delivered ${d.deliveries} times without finishing; moved to the dead-letter stream`
    const failed = await failUnheld(store, d.jobId, reason, expired ? undefined : d.entry, d.kind === 'budget')
    if (!expired && vendor !== undefined) jobLog(deps.log, d.jobId, d.vendor).warn({ deliveries: d.deliveries }, 'job dead-lettered')
    return { delivery: d, ...(failed ? { status: 'failed' as const } : {}), ...(!expired && vendor !== undefined ? { deadLetter: reason } : {}) }
  }

  const claim = d.claim ?? await store.claim(d.jobId, { entry: d.entry, deliveries: d.deliveries, kind: d.kind === 'poll' ? 'poll' : 'call' })
  if (!claim.ok) {
    if (claim.reason === 'missing' && Date.now() - d.createdAt < ORPHAN_GRACE_MS) {
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
  const run = { store, vendor, job: claim.job, delivery: d, stop, log: deps.log, queueSettles: deps.queueSettles, keys: deps.keyRules }
  return d.kind === 'poll' ? pollVendor(run) : callVendor(run)
}

/**
 * Fails a job waiting for a call that no live delivery holds (only `entry`'s own earlier deliveries may);
 * `polled`: a job waiting for its next poll too (one its budget cannot pay for).
 */
async function failUnheld (store: JobStore, id: string, error: string, entry?: string, polled = false): Promise<boolean> {
  const job = await store.get(id)
  if (job === null || (job.status !== 'pending' && job.status !== 'processing')) return false
  if (job.waiting !== undefined && !(polled && job.waiting === 'poll')) return false
  if (job.holder !== undefined && (entry === undefined || !job.holder.startsWith(`${entry}#`))) return false
  return await store.transition(id, job.status, failChange(error)) !== null
}
