import type { Job, JobChange } from '../job.js'
import { jobLog, type Log } from '../log.js'
import type { JobStore } from '../store.js'
import type { CallOutcome } from '../../vendors/adapters/answer.js'
import type { PollOutcome } from '../../vendors/adapters/poll.js'
import type { VendorCall } from '../../vendors/client.js'
import { UnrecoverableVendorError, VendorError } from '../../vendors/errors.js'
import type { AttemptVendor } from './attempt.js'
import { retryDelay } from './backoff.js'
import type { Delivery, Settlement } from './queue.js'

/** One claimed delivery, ready to call its vendor. */
export interface ClaimedRun {
  store: JobStore
  vendor: AttemptVendor
  job: Job
  delivery: Delivery
  signal: AbortSignal
  log: Log
  /** The queue records the change on the job with its settlement (DispatchQueue.claims). */
  queueSettles: boolean
}

type Next = Omit<Settlement, 'delivery'>

/**
 * Records `change` on the job while this delivery still holds it; fenced, only the breaker hears of the
 * call. A queue that settles jobs itself records the change with the rest, in one step.
 */
async function settle (run: ClaimedRun, change: JobChange, next: Next): Promise<Settlement> {
  if (run.queueSettles) return { delivery: run.delivery, change, ...next }
  if (!await run.store.settle(run.job.id, run.delivery.holder, change)) {
    return { delivery: run.delivery, ...(next.outcome === undefined ? {} : { outcome: next.outcome }) }
  }
  return { delivery: run.delivery, ...next }
}

function input (run: ClaimedRun): VendorCall {
  const { job, vendor, delivery } = run
  const type = job.payload.type
  return {
    requestId: job.id,
    payload: job.payload,
    attempt: Math.max(1, job.attempts),
    signal: run.signal,
    ...(typeof type === 'string' ? { type } : {}),
    ...(job.vendorRef === undefined ? {} : { vendorRef: job.vendorRef }),
    // The callback names the attempt it answers: a late one for an earlier attempt is told apart.
    ...(vendor.config.mode === 'async' ? { callbackUrl: `${vendor.callbackUrl}?ref=${encodeURIComponent(delivery.holder)}` } : {})
  }
}

/** An attempt: calls the vendor once and records its result, its acceptance, or why it failed. */
export async function callVendor (run: ClaimedRun): Promise<Settlement> {
  const { vendor } = run
  const { config } = vendor
  let outcome: CallOutcome
  try {
    outcome = await vendor.client.call(input(run))
  } catch (err) {
    return failedCall(run, err)
  }
  if (outcome.kind === 'result') {
    return settle(run, { status: 'complete', result: outcome.result, nextAttemptAt: null }, { outcome: 'ok', status: 'complete' })
  }
  // The deadline is watched before the job shows it, so no waiting job is ever without one.
  const now = Date.now()
  const deadline = now + config.callbackTimeoutMs
  if (config.mode === 'poll') {
    const at = now + (config.poll?.intervalMs ?? 1000)
    const change = { waiting: 'poll' as const, deadline, nextAttemptAt: at, vendorRef: outcome.vendorRef ?? null }
    return settle(run, change, { outcome: 'ok', deadline, next: { at, kind: 'poll' }, status: 'processing', ...ref(outcome.vendorRef, deadline) })
  }
  // A vendor that gives no id of its own is told ours: the callback URL's ref names this very call.
  const vendorRef = outcome.vendorRef ?? run.delivery.holder
  return settle(run, { waiting: 'callback', deadline, nextAttemptAt: null, vendorRef }, { outcome: 'ok', deadline, status: 'processing', ...ref(outcome.vendorRef, deadline) })
}

/** The vendor's own id for a job, listed so that its callbacks find the job until a day past the deadline. */
const ref = (vendorRef: string | undefined, deadline: number): Partial<Next> =>
  vendorRef === undefined ? {} : { ref: { vendorRef, until: deadline + 86_400_000 } }

/** A poll of an accepted job: not an attempt, but a call within the vendor's limits like any other. */
export async function pollVendor (run: ClaimedRun): Promise<Settlement> {
  const { job, vendor } = run
  const interval = vendor.config.poll?.intervalMs ?? 1000
  let outcome: PollOutcome
  try {
    outcome = await vendor.client.poll(input(run))
  } catch (err) {
    if (run.signal.aborted || !(err instanceof VendorError) || err instanceof UnrecoverableVendorError) return failedCall(run, err)
    // A poll that failed is asked again; the deadline still bounds the whole wait.
    const at = Date.now() + Math.max(interval, err.retryAfterMs ?? 0)
    return settle(run, { lastError: err.message, nextAttemptAt: at }, { ...verdict(vendor, err), next: { at, kind: 'poll' }, status: 'processing' })
  }
  const ends = { waiting: null, deadline: null, nextAttemptAt: null } as const
  if (outcome.state === 'done') return settle(run, { status: 'complete', result: outcome.result, ...ends }, { outcome: 'ok', status: 'complete' })
  if (outcome.state === 'failed') return settle(run, { status: 'failed', error: outcome.error, ...ends }, { outcome: 'ok', status: 'failed' })
  const at = Date.now() + interval
  return settle(run, { nextAttemptAt: at }, { outcome: 'ok', next: { at, kind: 'poll' }, status: job.status })
}

/** What a failed call tells the breaker and the vendor's pause. */
function verdict (vendor: AttemptVendor, err: VendorError): Pick<Next, 'outcome' | 'pauseUntil'> {
  // A vendor refusing a request is up and answering; a 429 is its word on pace, not a failure.
  const outcome = err instanceof UnrecoverableVendorError ? 'ok' as const : err.status === 429 ? undefined : 'fail' as const
  const pause = (err.status === 429 || err.status === 503) && err.retryAfterMs !== undefined
    ? { pauseUntil: Date.now() + Math.min(err.retryAfterMs, vendor.config.maxRetryAfterMs) }
    : {}
  return { ...(outcome === undefined ? {} : { outcome }), ...pause }
}

function failedCall (run: ClaimedRun, err: unknown): Promise<Settlement> {
  const { job, vendor: { config }, log } = run
  const now = Date.now()
  if (run.signal.aborted) {
    const lastError = `interrupted: the worker stopped while the call to ${config.name} was on the wire`
    const kind = run.delivery.kind === 'poll' ? 'poll' as const : 'call' as const
    return settle(run, { lastError, nextAttemptAt: now }, { next: { at: now, kind }, status: 'processing' })
  }
  if (!(err instanceof VendorError)) {
    const error = `internal error while calling ${config.name}: ${(err as Error).message}`
    jobLog(log, job.id, config.name).error({ err }, 'job failed by an internal error')
    return settle(run, { status: 'failed', error, waiting: null, deadline: null }, { status: 'failed' })
  }
  const common = verdict(run.vendor, err)
  if (err instanceof UnrecoverableVendorError || job.attempts >= config.retry.attempts) {
    const error = job.attempts > 1 ? `${err.message} (after ${job.attempts} attempts)` : err.message
    return settle(run, { status: 'failed', error, lastError: err.message, nextAttemptAt: null, waiting: null, deadline: null }, { ...common, status: 'failed' })
  }
  const retryAfter = common.pauseUntil === undefined ? err.retryAfterMs : common.pauseUntil - now
  const at = now + retryDelay(job.attempts, config.retry, retryAfter)
  jobLog(log, job.id, config.name).debug({ attempts: job.attempts, at, err: err.message }, 'vendor call failed; retrying')
  return settle(run, { lastError: err.message, nextAttemptAt: at }, { ...common, next: { at, kind: 'call' }, status: 'processing' })
}
