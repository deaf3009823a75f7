import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { bodyHash, IdempotencyInProgressError, IdempotencyMismatchError, submitOnce } from '../core/idempotency.js'
import { StoreFullError } from '../core/store.js'
import { clip } from '../core/input/clip.js'
import { forbiddenKey, type KeyRules } from '../core/input/payload-keys.js'
import type { Job } from '../core/job.js'
import {
  ForbiddenKeyError, IdempotencyInProgressHttpError, IdempotencyMismatchHttpError, InvalidPayloadError, JobNotFoundError, NotFailedError,
  StoreFullHttpError, UnknownVendorError
} from './errors.js'

/** Payloads and callbacks are stored: a key the store cannot hold is the client's error, not a 500 later. */
export function checkKeys (value: unknown, rules: KeyRules): void {
  const bad = forbiddenKey(value, rules)
  if (bad !== undefined) throw new ForbiddenKeyError(JSON.stringify(clip(bad.key)), bad.reason)
}

export interface JobView {
  request_id: string
  status: Job['status']
  vendor: string
  created_at: string
  updated_at: string
  attempts: number
  result?: unknown
  error?: string
  next_attempt_at?: string
  last_error?: string
}

/** What the routes call: submitting, reading and completing jobs. No HTTP here, only the rules. */
export interface Jobs {
  /** The job's id, and whether this request created it (false: an earlier one with the same Idempotency-Key did). */
  submit (body: { vendor: string } & Record<string, unknown>, idempotencyKey?: string): Promise<{ id: string, created: boolean }>
  view (id: string): Promise<JobView>
  /** Sends a failed job back to pending with a new attempt budget. */
  retry (id: string): Promise<JobView>
}

declare module 'fastify' {
  interface FastifyInstance {
    jobs: Jobs
  }
}

export function toView (job: Job): JobView {
  return {
    request_id: job.id,
    status: job.status,
    vendor: job.vendor,
    created_at: new Date(job.createdAt).toISOString(),
    updated_at: new Date(job.updatedAt).toISOString(),
    attempts: job.attempts,
    ...(job.result === undefined ? {} : { result: job.result }),
    ...(job.error === undefined ? {} : { error: job.error }),
    ...(job.nextAttemptAt === undefined ? {} : { next_attempt_at: new Date(job.nextAttemptAt).toISOString() }),
    ...(job.lastError === undefined ? {} : { last_error: job.lastError })
  }
}

async function jobsPlugin (app: FastifyInstance): Promise<void> {
  const { backend, vendors } = app
  const { store } = backend
  const keyRules = { dollarPrefix: app.config.mode === 'full' }

  app.decorate('jobs', {
    async submit (body, idempotencyKey) {
      const { vendor, ...payload } = body
      const runtime = vendors.runtime(vendor)
      if (runtime === undefined) throw new UnknownVendorError(clip(vendor), vendors.names().join(', '))
      checkKeys(payload, keyRules)
      const problem = runtime.checkPayload(payload)
      if (problem !== undefined) throw new InvalidPayloadError(vendor, clip(problem))
      const newJob = (id: string): Job => {
        const now = Date.now()
        return { id, vendor, status: 'pending', payload, attempts: 0, createdAt: now, updatedAt: now }
      }
      try {
        let submitted: { id: string, created: boolean }
        if (idempotencyKey !== undefined) submitted = await submitOnce({ keys: backend.idempotency, backend }, idempotencyKey, bodyHash(body), newJob)
        else {
          const job = newJob(randomUUID())
          await backend.submit(job)
          submitted = { id: job.id, created: true }
        }
        // A repeated Idempotency-Key names the job an earlier request submitted: counted once.
        if (submitted.created) app.metrics.submitted(vendor)
        return submitted
      } catch (err) {
        if (err instanceof StoreFullError) throw new StoreFullHttpError(err.message)
        if (err instanceof IdempotencyMismatchError) throw new IdempotencyMismatchHttpError(err.message)
        if (err instanceof IdempotencyInProgressError) throw new IdempotencyInProgressHttpError(err.message)
        throw err
      }
    },

    async view (id) {
      const job = await store.get(id)
      if (job === null) throw new JobNotFoundError(id)
      return toView(job)
    },

    async retry (id) {
      const replayed = await backend.replay(id)
      if (replayed !== null) return toView(replayed)
      const job = await store.get(id)
      if (job === null) throw new JobNotFoundError(id)
      throw new NotFailedError(id, job.status)
    }
  } satisfies Jobs)
}

export default fp(jobsPlugin, {
  name: 'jobs',
  fastify: '5.x',
  dependencies: ['config', 'backend', 'vendors', 'metrics']
})
