import type { FastifyBaseLogger } from 'fastify'
import type { Breaker } from '../plugins/breaker/types.js'
import type { Deadlines } from '../plugins/deadlines.js'
import type { QueueEntry } from '../plugins/queue/types.js'
import type { JobQueue } from '../plugins/queue/types.js'
import type { RateLimits } from '../plugins/rate-limits.js'
import type { Job } from '../plugins/store/job-state.js'
import type { JobStore } from '../plugins/store/types.js'
import type { VendorRegistry } from '../plugins/vendors.js'
import type { VendorConfig } from '../vendors/config.js'
import { UnrecoverableVendorError, VendorError } from '../vendors/errors.js'
import { retryDelay } from './backoff.js'

export interface WorkerDeps {
  store: JobStore
  queue: JobQueue
  vendors: VendorRegistry
  rateLimits: RateLimits
  deadlines: Deadlines
  breaker: Breaker
  log: FastifyBaseLogger
}

/**
 * A job this delivery may call the vendor for, claimed by compare-and-set: a pending job, or, on a
 * redelivery, one a dead worker left processing before the vendor accepted it. Null: nothing to do.
 */
async function claim (store: JobStore, job: Job, redelivered: boolean): Promise<Job | null> {
  const attempts = job.attempts + 1
  if (job.status === 'pending') return store.transition(job.id, 'pending', { status: 'processing', attempts })
  if (job.status === 'processing' && redelivered && job.deadline === undefined) {
    return store.transition(job.id, 'processing', { attempts })
  }
  return null
}

/**
 * One attempt at one job. Every write is a compare-and-set on the state it leaves, so a duplicate
 * delivery, or a webhook that beat the acceptance, changes nothing twice. Each write comes before the
 * queue hears of it, so a crash between two steps leaves the entry to be delivered again, never lost.
 */
export async function processJob (deps: WorkerDeps, entry: QueueEntry & { deliveries: number }, signal?: AbortSignal): Promise<void> {
  const { store, queue, vendors, rateLimits, deadlines, breaker, log } = deps
  const { id } = entry
  const job = await store.get(id)
  if (job === null || (job.status !== 'pending' && job.status !== 'processing')) return
  const vendor = vendors.get(job.vendor)
  if (vendor === undefined) {
    await store.transition(id, job.status, { status: 'failed', error: `vendor "${job.vendor}" is no longer configured` })
    return
  }
  const permit = await breaker.permit(vendor.name, vendor.breaker)
  if (!permit.call) return waitForBreaker(deps, job, vendor, permit.retryAt)
  const claimed = await claim(store, job, entry.deliveries > 1)
  if (claimed === null) return
  // The token is taken last, right before the call, so that little time passes between the limiter's
  // count and the vendor's.
  await rateLimits.acquire(vendor, signal)
  const callbackUrl = vendor.mode === 'async' ? vendors.callbackUrl(vendor.name) : undefined
  try {
    const result = await vendors.client(vendor.name).call({ requestId: id, payload: job.payload, callbackUrl })
    await breaker.record(vendor.name, vendor.breaker, 'ok', permit.probe)
    if (vendor.mode === 'sync') {
      if (await store.transition(id, 'processing', { status: 'complete', result, error: null }) !== null) {
        log.info({ requestId: id, status: 'complete', attempts: claimed.attempts }, 'job complete')
      }
      return
    }
    // The deadline is recorded before the job shows it, so no waiting job is ever without one.
    const deadline = Date.now() + vendor.callbackTimeoutMs
    await deadlines.set(id, deadline)
    await store.transition(id, 'processing', { deadline, error: null })
  } catch (err) {
    if (!(err instanceof VendorError)) throw err
    // A vendor refusing a request is up and answering: only retryable failures count against it.
    const unrecoverable = err instanceof UnrecoverableVendorError
    await breaker.record(vendor.name, vendor.breaker, unrecoverable ? 'ok' : 'fail', permit.probe)
    const attempts = claimed.attempts
    if (unrecoverable || attempts >= vendor.retry.attempts) {
      const error = attempts > 1 ? `${err.message} (after ${attempts} attempts)` : err.message
      await store.transition(id, 'processing', { status: 'failed', error })
      return
    }
    const delay = retryDelay(attempts, vendor.retry, err.retryAfterMs)
    log.debug({ requestId: id, attempts, delay, err: err.message }, 'vendor call failed; retrying')
    if (await store.transition(id, 'processing', { status: 'pending', error: err.message }) !== null) {
      await queue.add({ id, vendor: vendor.name }, delay)
    }
  }
}

/**
 * The vendor's breaker is open: the job waits, pending and without spending an attempt, until the
 * breaker may let calls through again, but never past the vendor's maxWaitMs from its submission.
 */
async function waitForBreaker (deps: WorkerDeps, job: Job, vendor: VendorConfig, retryAt: number): Promise<void> {
  const now = Date.now()
  const giveUpAt = job.createdAt + vendor.maxWaitMs
  if (now >= giveUpAt) {
    const error = `circuit open: ${vendor.name} kept failing and the job waited ${vendor.maxWaitMs} ms for it to recover`
    await deps.store.transition(job.id, job.status, { status: 'failed', error })
    return
  }
  // A job a dead worker left processing goes back to pending, so that its next delivery may claim it.
  if (job.status === 'processing' && await deps.store.transition(job.id, 'processing', { status: 'pending' }) === null) return
  // Spread the waiting jobs a little, so that they do not all arrive at the same half-open instant.
  const delay = Math.min(retryAt, giveUpAt) - now + Math.floor(Math.random() * 250)
  await deps.queue.add({ id: job.id, vendor: vendor.name }, Math.max(1, delay))
}
