import { completeChange, failChange } from '../ending.js'
import { wellFormed } from '../input/clip.js'
import { storableResult, storableTexts } from '../input/storable.js'
import type { KeyRules } from '../input/payload-keys.js'
import type { Job, JobChange, PageProgress } from '../job.js'
import { jobLog, type Log } from '../log.js'
import type { JobStore } from '../store.js'
import type { CallOutcome } from '../../vendors/adapters/answer.js'
import { TokenRejectedError } from '../../vendors/adapters/errors.js'
import type { PollOutcome } from '../../vendors/adapters/poll.js'
import type { VendorCall, VendorClient } from '../../vendors/client.js'
import type { VendorConfig } from '../../vendors/config.js'
import { LateDepartureError } from '../../vendors/departure.js'
import { UnrecoverableVendorError, VendorError } from '../../vendors/errors.js'
import type { CallStop } from '../../vendors/stop.js'
import { retryDelay } from './backoff.js'
import { type Delivery, LeaseLostError, type Settlement } from './queue.js'
import { charge, fromMicros, priceFor, toMicros } from './spend.js'

/** A vendor as a delivery calls it. */
export interface AttemptVendor {
  config: VendorConfig
  client: VendorClient
  callbackUrl: string
}

/** One claimed delivery, ready to call its vendor. */
export interface ClaimedRun {
  store: JobStore
  vendor: AttemptVendor
  job: Job
  delivery: Delivery
  stop: CallStop
  log: Log
  /** The queue records the change on the job with its settlement (DispatchQueue.claims). */
  queueSettles: boolean
  /** The keys the job store refuses, which a vendor's result may not carry either. */
  keys: KeyRules
}

type Next = Omit<Settlement, 'delivery'>

/**
 * What the call spent (core/dispatch/spend.ts): `nothing` when it never reached the vendor; `result` when
 * the job completed with the vendor's result, and when an async vendor accepted it (its result's price is
 * held until the job ends: no budget can be overspent by a callback).
 */
type Spent = Parameters<typeof charge>[1]

const spentOn = (run: ClaimedRun, spent: Spent): number => charge(priceFor(run.vendor.config, run.job.payload.type), spent)

/**
 * Records `change` on the job while this delivery still holds it; fenced, only the breaker and the vendor's
 * pause hear of the call. A queue that settles jobs itself records the change with the rest, in one step. What the call
 * spent is settled either way: the vendor was called all the same.
 */
async function settle (run: ClaimedRun, vendorSaid: JobChange, next: Next, spent: Spent): Promise<Settlement> {
  const micros = spentOn(run, spent)
  // A vendor's texts end up here, in errors too: one of them must never make the settlement unstorable.
  const change = { ...storableTexts(vendorSaid), ...(micros > 0 ? { cost: fromMicros(toMicros(run.job.cost ?? 0) + micros) } : {}) }
  const paid = micros > 0 ? { spent: micros } : {}
  if (run.queueSettles) return { delivery: run.delivery, change, ...next, ...paid }
  if (!await run.store.settle(run.job.id, run.delivery.holder, change)) {
    // Fenced: the job is another delivery's, but what the vendor said of itself (its breaker, its pause) stands.
    return { delivery: run.delivery, ...(next.outcome === undefined ? {} : { outcome: next.outcome }), ...(next.pauseUntil === undefined ? {} : { pauseUntil: next.pauseUntil }), ...paid }
  }
  return { delivery: run.delivery, ...next, ...paid }
}

function input (run: ClaimedRun): VendorCall {
  const { job, vendor, delivery } = run
  const type = job.payload.type
  return {
    requestId: job.id,
    payload: job.payload,
    team: job.team,
    attempt: Math.max(1, job.attempts),
    stop: run.stop,
    ...(typeof type === 'string' ? { type } : {}),
    ...(job.vendorRef === undefined ? {} : { vendorRef: job.vendorRef }),
    ...(job.pages === undefined ? {} : { pages: job.pages }),
    ...(delivery.departBy === undefined ? {} : { departBy: delivery.departBy, grantedAt: delivery.grantedAt }),
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
  const pause = paused(vendor, outcome.pauseMs)
  if (outcome.kind === 'result') return completed(run, outcome.result, pause)
  if (outcome.kind === 'page') {
    // The pages read so far are kept on the job: checked as its result will be.
    const progress = storableResult({ ...outcome.progress, attempts: run.job.attempts }, run.keys)
    if (!progress.ok) return unstorable(run, progress.problem, pause)
    // The next page is the job's next call, queued due now: the vendor's limits grant it like any other.
    const at = Date.now()
    return settle(run, { pages: progress.value as PageProgress, nextAttemptAt: at }, { outcome: 'ok', next: { at, kind: 'call' }, status: 'processing', ...pause }, 'call')
  }
  // The deadline is watched before the job shows it, so no waiting job is ever without one.
  const now = Date.now()
  const deadline = now + config.callbackTimeoutMs
  if (config.mode === 'poll') {
    const at = now + (config.poll?.intervalMs ?? 1000)
    const change = { waiting: 'poll' as const, deadline, nextAttemptAt: at, vendorRef: outcome.vendorRef ?? null }
    return settle(run, change, { outcome: 'ok', deadline, next: { at, kind: 'poll' }, status: 'processing', ...ref(outcome.vendorRef, deadline), ...pause }, 'call')
  }
  // A vendor that gives no id of its own is told ours: the callback URL's ref names this very call.
  const vendorRef = outcome.vendorRef ?? run.delivery.holder
  return settle(run, { waiting: 'callback', deadline, nextAttemptAt: null, vendorRef }, { outcome: 'ok', deadline, status: 'processing', ...ref(outcome.vendorRef, deadline), ...pause }, 'result')
}

/** A result no store can hold fails its own job, saying why, rather than the settlement batch it travels in. */
function completed (run: ClaimedRun, result: unknown, pause: Pick<Next, 'pauseUntil'>): Promise<Settlement> {
  const stored = storableResult(result, run.keys)
  if (!stored.ok) return unstorable(run, stored.problem, pause)
  return settle(run, completeChange(stored.value), { outcome: 'ok', status: 'complete', ...pause }, 'result')
}

function unstorable (run: ClaimedRun, problem: string, pause: Pick<Next, 'pauseUntil'>): Promise<Settlement> {
  return settle(run, failChange(`${run.vendor.config.name} answered a result that cannot be stored: ${problem}`), { outcome: 'ok', status: 'failed', ...pause }, 'call')
}

/** The vendor's own id for a job, listed so that its callbacks find the job until a day past the deadline. */
const ref = (vendorRef: string | undefined, deadline: number): Partial<Next> =>
  vendorRef === undefined ? {} : { ref: { vendorRef: wellFormed(vendorRef), until: deadline + 86_400_000 } }

/** A poll of an accepted job: not an attempt, but a call within the vendor's limits like any other. */
export async function pollVendor (run: ClaimedRun): Promise<Settlement> {
  const { job, vendor } = run
  const interval = vendor.config.poll?.intervalMs ?? 1000
  let outcome: PollOutcome
  try {
    outcome = await vendor.client.poll(input(run))
  } catch (err) {
    if (run.stop.aborted || !(err instanceof VendorError) || err instanceof UnrecoverableVendorError || err instanceof LateDepartureError) return failedCall(run, err)
    // A poll that failed is asked again; the deadline still bounds the whole wait.
    const at = Date.now() + Math.max(interval, askedWait(vendor, err) ?? 0)
    return settle(run, { lastError: err.message, nextAttemptAt: at }, { ...verdict(vendor, err), next: { at, kind: 'poll' }, status: 'processing' }, 'call')
  }
  const pause = paused(vendor, outcome.pauseMs)
  if (outcome.state === 'done') return completed(run, outcome.result, pause)
  if (outcome.state === 'failed') return settle(run, failChange(outcome.error), { outcome: 'ok', status: 'failed', ...pause }, 'call')
  const at = Date.now() + interval
  return settle(run, { nextAttemptAt: at }, { outcome: 'ok', next: { at, kind: 'poll' }, status: job.status, ...pause }, 'call')
}

/** What a failed call tells the breaker and the vendor's pause. */
function verdict (vendor: AttemptVendor, err: VendorError): Pick<Next, 'outcome' | 'pauseUntil'> {
  // A vendor refusing a request is up and answering; a 429 (or its headers saying no call is left) is its word on pace, not a failure.
  // A vendor refusing our OAuth2 token is up too: the token is dropped, and the next call fetches another.
  const outcome = err instanceof UnrecoverableVendorError || err instanceof TokenRejectedError ? 'ok' as const : err.status === 429 || err.pauseMs !== undefined ? undefined : 'fail' as const
  const wait = askedWait(vendor, err)
  const pause = (err.status === 429 || err.status === 503) && wait !== undefined ? { pauseUntil: Date.now() + wait } : paused(vendor, err.pauseMs)
  return { ...(outcome === undefined ? {} : { outcome }), ...pause }
}

/** How long the vendor asked to wait (Retry-After), within its maxRetryAfterMs: no answer parks a job or the vendor for longer. */
function askedWait (vendor: AttemptVendor, err: VendorError): number | undefined {
  return err.retryAfterMs === undefined ? undefined : Math.min(err.retryAfterMs, vendor.config.maxRetryAfterMs)
}

/** The vendor's rate-limit headers said it has no call left: every worker waits until its reset, as for a Retry-After. */
function paused (vendor: AttemptVendor, pauseMs: number | undefined): Pick<Next, 'pauseUntil'> {
  return pauseMs === undefined ? {} : { pauseUntil: Date.now() + Math.min(pauseMs, vendor.config.maxRetryAfterMs) }
}

function failedCall (run: ClaimedRun, err: unknown): Promise<Settlement> {
  const { job, vendor: { config }, log } = run
  const now = Date.now()
  // Another delivery holds the job now: this one records nothing and queues nothing, it only lets go of its entry and slot.
  // The call was on the wire all the same: it is paid for.
  if (run.stop.reason instanceof LeaseLostError) return Promise.resolve({ delivery: run.delivery, ...paidCall(run) })
  if (err instanceof LateDepartureError) {
    // Nothing reached the vendor: no attempt is spent, and the job goes back for a new grant at once.
    const kind = run.delivery.kind === 'poll' ? 'poll' as const : 'call' as const
    const change = kind === 'call' ? { attempts: Math.max(0, job.attempts - 1), nextAttemptAt: now } : { nextAttemptAt: now }
    jobLog(log, job.id, config.name).debug({ lateMs: Math.round(err.lateMs) }, 'call could not leave within its grant; granted again')
    return settle(run, change, { regrant: true, next: { at: now, kind }, status: job.status }, 'nothing')
  }
  if (run.stop.aborted) {
    const lastError = `interrupted: the worker stopped while the call to ${config.name} was on the wire`
    const kind = run.delivery.kind === 'poll' ? 'poll' as const : 'call' as const
    return settle(run, { lastError, nextAttemptAt: now }, { next: { at: now, kind }, status: 'processing' }, 'call')
  }
  if (!(err instanceof VendorError)) {
    const error = `internal error while calling ${config.name}: ${(err as Error).message}`
    jobLog(log, job.id, config.name).error({ err }, 'job failed by an internal error')
    return settle(run, failChange(error), { status: 'failed' }, 'call')
  }
  const common = verdict(run.vendor, err)
  // A paged call's attempts count from its last page read: each page gets the vendor's retries.
  const tries = job.attempts - (job.pages?.attempts ?? 0)
  if (err instanceof UnrecoverableVendorError || tries >= config.retry.attempts) {
    const error = tries > 1 ? `${err.message} (after ${tries} attempts)` : err.message
    return settle(run, failChange(error, { lastError: err.message }), { ...common, status: 'failed' }, 'call')
  }
  const retryAfter = common.pauseUntil === undefined ? askedWait(run.vendor, err) : common.pauseUntil - now
  // A refused token is no fault of the job's: its next attempt goes at once, with a new token and a grant
  // of its own, as every call has (sent again within this attempt, it would reach the vendor ungranted).
  const at = err instanceof TokenRejectedError ? now : now + retryDelay(tries, config.retry, retryAfter)
  jobLog(log, job.id, config.name).debug({ attempts: job.attempts, at, err: err.message }, 'vendor call failed; retrying')
  return settle(run, { lastError: err.message, nextAttemptAt: at }, { ...common, next: { at, kind: 'call' }, status: 'processing' }, 'call')
}

function paidCall (run: ClaimedRun): Pick<Settlement, 'spent'> {
  const micros = spentOn(run, 'call')
  return micros > 0 ? { spent: micros } : {}
}
