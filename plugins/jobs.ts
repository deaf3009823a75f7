import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { clip } from '../core/input/clip.js'
import { forbiddenKey, type KeyRules } from '../core/input/payload-keys.js'
import type { Job } from '../core/job.js'
import { ForbiddenKeyError, InvalidPayloadError, JobNotFoundError, NotFailedError, UnknownVendorError } from './errors.js'

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
  submit (body: { vendor: string } & Record<string, unknown>): Promise<string>
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
    async submit ({ vendor, ...payload }) {
      const runtime = vendors.runtime(vendor)
      if (runtime === undefined) throw new UnknownVendorError(clip(vendor), vendors.names().join(', '))
      checkKeys(payload, keyRules)
      const problem = runtime.checkPayload(payload)
      if (problem !== undefined) throw new InvalidPayloadError(vendor, clip(problem))
      const now = Date.now()
      const id = randomUUID()
      await backend.submit({ id, vendor, status: 'pending', payload, attempts: 0, createdAt: now, updatedAt: now })
      app.metrics.submitted(vendor)
      return id
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
