import type { FastifyBaseLogger } from 'fastify'
import type { Deadlines } from '../plugins/deadlines.js'
import type { JobQueue } from '../plugins/queue/types.js'
import type { RateLimits } from '../plugins/rate-limits.js'
import type { JobStore } from '../plugins/store/types.js'
import type { VendorRegistry } from '../plugins/vendors.js'
import { UnrecoverableVendorError, VendorError } from '../vendors/errors.js'
import { retryDelay } from './backoff.js'

export interface WorkerDeps {
  store: JobStore
  queue: JobQueue
  vendors: VendorRegistry
  rateLimits: RateLimits
  deadlines: Deadlines
  log: FastifyBaseLogger
}

/**
 * One attempt at one job. Every write is a compare-and-set on the state it leaves, so a duplicate
 * delivery, or a webhook that beat the acceptance, changes nothing twice.
 */
export async function processJob (deps: WorkerDeps, id: string, signal?: AbortSignal): Promise<void> {
  const { store, queue, vendors, rateLimits, deadlines, log } = deps
  const job = await store.get(id)
  if (job === null || job.status !== 'pending') return
  const vendor = vendors.get(job.vendor)
  if (vendor === undefined) {
    await store.transition(id, 'pending', { status: 'failed', error: `vendor "${job.vendor}" is no longer configured` })
    return
  }
  await rateLimits.acquire(vendor, signal)
  const claimed = await store.transition(id, 'pending', { status: 'processing', attempts: job.attempts + 1 })
  if (claimed === null) return
  const callbackUrl = vendor.mode === 'async' ? vendors.callbackUrl(vendor.name) : undefined
  try {
    const result = await vendors.client(vendor.name).call({ requestId: id, payload: job.payload, callbackUrl })
    if (vendor.mode === 'sync') {
      await store.transition(id, 'processing', { status: 'complete', result, error: null })
      return
    }
    // The deadline is recorded before the job shows it, so no waiting job is ever without one.
    const deadline = Date.now() + vendor.callbackTimeoutMs
    await deadlines.set(id, deadline)
    await store.transition(id, 'processing', { deadline, error: null })
  } catch (err) {
    if (!(err instanceof VendorError)) throw err
    const attempts = claimed.attempts
    if (err instanceof UnrecoverableVendorError || attempts >= vendor.retry.attempts) {
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
