import type { Job, JobChange } from '../job.js'
import { jobLog, type Log } from '../log.js'
import type { JobStore } from '../store.js'
import type { VendorClient } from '../../vendors/client.js'
import type { VendorConfig } from '../../vendors/config.js'
import { UnrecoverableVendorError, VendorError } from '../../vendors/errors.js'
import { retryDelay } from './backoff.js'
import type { Delivery, Settlement } from './queue.js'

export interface AttemptDeps {
  store: JobStore
  vendor (name: string): { config: VendorConfig, client: VendorClient, callbackUrl: string } | undefined
  log: Log
  /** Deliveries after which an entry is dead-lettered: a job that keeps killing its workers. */
  maxDeliveries: number
}

/** A missing job younger than this may still be on its way: in a Redis Cluster its record and its entry live on two nodes. */
const ORPHAN_GRACE_MS = 30_000
const ORPHAN_RETRY_MS = 1_000

const entryTime = (entry: string): number => Number(entry.split('-')[0])

/**
 * Runs one delivery to its end: claims the job, calls the vendor once, records the outcome on the job
 * (fenced by the delivery's holder) and says what the queue should do next. Every write is a
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
    return { delivery: d, ...(failed ? { status: 'failed' as const } : {}), ...(d.kind === 'call' && vendor !== undefined ? { deadLetter: reason } : {}) }
  }

  const claim = await store.claim(d.jobId, { entry: d.entry, deliveries: d.deliveries, kind: d.kind })
  if (!claim.ok) {
    if (claim.reason === 'missing' && Date.now() - entryTime(d.entry) < ORPHAN_GRACE_MS) {
      return { delivery: d, next: { at: Date.now() + ORPHAN_RETRY_MS, kind: d.kind } }
    }
    if (claim.reason === 'done') {
      // The job moved on while its settlement was lost (a worker died, Redis went away): the queue catches
      // up with it, listing it where it is and still watching an accepted job's deadline.
      const job = await store.get(d.jobId)
      if (job !== null) return { delivery: d, status: job.status, caughtUp: true, ...(job.waiting === 'callback' && job.deadline !== undefined ? { deadline: job.deadline } : {}) }
    }
    return { delivery: d }
  }
  return call(deps, vendor, claim.job, d, signal)
}

async function call (deps: AttemptDeps, vendor: NonNullable<ReturnType<AttemptDeps['vendor']>>, job: Job, d: Delivery, signal: AbortSignal): Promise<Settlement> {
  const { store, log } = deps
  const { config } = vendor
  const settle = async (change: JobChange, settlement: Omit<Settlement, 'delivery'>): Promise<Settlement> => {
    // Fenced: another delivery took the job over; it decides what happens next.
    if (!await store.settle(job.id, d.holder, change)) return { delivery: d, ...(settlement.outcome === undefined ? {} : { outcome: settlement.outcome }) }
    return { delivery: d, ...settlement }
  }
  let result: unknown
  try {
    result = await vendor.client.call({
      requestId: job.id,
      payload: job.payload,
      ...(config.mode === 'async' ? { callbackUrl: vendor.callbackUrl } : {}),
      signal
    })
  } catch (err) {
    if (signal.aborted) {
      const lastError = `interrupted: the worker stopped while the call to ${config.name} was on the wire`
      return settle({ lastError, nextAttemptAt: Date.now() }, { next: { at: Date.now(), kind: 'call' }, status: 'processing' })
    }
    if (!(err instanceof VendorError)) {
      const error = `internal error while calling ${config.name}: ${(err as Error).message}`
      jobLog(log, job.id, config.name).error({ err }, 'job failed by an internal error')
      return settle({ status: 'failed', error }, { status: 'failed' })
    }
    return failedCall(config, job, err, settle, log)
  }
  if (config.mode === 'sync') {
    const settled = await settle({ status: 'complete', result, nextAttemptAt: null }, { outcome: 'ok', status: 'complete' })
    if (settled.status === 'complete') jobLog(log, job.id, config.name).info({ attempts: job.attempts }, 'job complete')
    return settled
  }
  // The deadline is watched before the job shows it, so no waiting job is ever without one.
  const deadline = Date.now() + config.callbackTimeoutMs
  return settle({ waiting: 'callback', deadline, nextAttemptAt: null }, { outcome: 'ok', deadline, status: 'processing' })
}

type Settle = (change: JobChange, settlement: Omit<Settlement, 'delivery'>) => Promise<Settlement>

function failedCall (config: VendorConfig, job: Job, err: VendorError, settle: Settle, log: AttemptDeps['log']): Promise<Settlement> {
  const now = Date.now()
  const unrecoverable = err instanceof UnrecoverableVendorError
  // A vendor refusing a request is up and answering; a 429 is its word on pace, not a failure.
  const outcome = unrecoverable ? 'ok' as const : err.status === 429 ? undefined : 'fail' as const
  const pause = (err.status === 429 || err.status === 503) && err.retryAfterMs !== undefined
    ? { pauseUntil: now + Math.min(err.retryAfterMs, config.maxRetryAfterMs) }
    : {}
  const common = { ...(outcome === undefined ? {} : { outcome }), ...pause }
  if (unrecoverable || job.attempts >= config.retry.attempts) {
    const error = job.attempts > 1 ? `${err.message} (after ${job.attempts} attempts)` : err.message
    return settle({ status: 'failed', error, lastError: err.message, nextAttemptAt: null }, { ...common, status: 'failed' })
  }
  const retryAfter = pause.pauseUntil === undefined ? err.retryAfterMs : pause.pauseUntil - now
  const at = now + retryDelay(job.attempts, config.retry, retryAfter)
  jobLog(log, job.id, config.name).debug({ attempts: job.attempts, at, err: err.message }, 'vendor call failed; retrying')
  return settle({ lastError: err.message, nextAttemptAt: at }, { ...common, next: { at, kind: 'call' }, status: 'processing' })
}

/** Fails a job waiting for a call that no live delivery holds (only `entry`'s own earlier deliveries may). */
async function failUnheld (store: JobStore, id: string, error: string, entry?: string): Promise<boolean> {
  const job = await store.get(id)
  if (job === null || (job.status !== 'pending' && job.status !== 'processing') || job.waiting !== undefined) return false
  if (job.holder !== undefined && (entry === undefined || !job.holder.startsWith(`${entry}#`))) return false
  return await store.transition(id, job.status, { status: 'failed', error, nextAttemptAt: null, holder: null }) !== null
}
