import { randomUUID } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { isTerminal, type Job, type JobChange } from '../core/job.js'
import { observeEnd } from '../core/dispatch/observer.js'
import { jobLog } from '../core/log.js'
import { tracedStep } from '../core/tracing.js'
import { verify } from '../vendors/signature.js'
import {
  BadSignatureError, ForbiddenKeyError, JobNotFoundError, JsonTooDeepError, MalformedWebhookError, NotFailedError, NotWaitingError,
  UnknownVendorError, WebhookVendorNotFoundError, WrongVendorError
} from './errors.js'
import { clip } from '../core/input/clip.js'
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../core/input/json-depth.js'
import { forbiddenKey } from '../core/input/payload-keys.js'

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

export interface WebhookBody {
  request_id: string
  result?: unknown
  error?: string
}

export interface WebhookAck {
  request_id: string
  outcome: 'applied' | 'duplicate'
  status: Job['status']
}

/** What the routes call: submitting, reading and completing jobs. No HTTP here, only the rules. */
export interface Jobs {
  submit (body: { vendor: string } & Record<string, unknown>): Promise<string>
  view (id: string): Promise<JobView>
  /** Checks, in order, the vendor (404) and the signature (401), then parses the raw body (400). */
  openWebhook (vendor: string, rawBody: Buffer | undefined, signature: string | undefined): unknown
  applyWebhook (vendor: string, body: WebhookBody): Promise<WebhookAck>
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
  const { store, queue } = backend
  const keyRules = { dollarPrefix: app.config.mode === 'full' }
  /** Payloads and callbacks are stored: a key the store cannot hold is the client's error, not a 500 later. */
  const checkKeys = (value: unknown): void => {
    const bad = forbiddenKey(value, keyRules)
    if (bad !== undefined) throw new ForbiddenKeyError(JSON.stringify(clip(bad.key)), bad.reason)
  }

  app.decorate('jobs', {
    async submit ({ vendor, ...payload }) {
      if (vendors.get(vendor) === undefined) throw new UnknownVendorError(clip(vendor), vendors.names().join(', '))
      checkKeys(payload)
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

    openWebhook (name, rawBody, signature) {
      const secret = vendors.get(name)?.webhookSecret
      if (secret === undefined) throw new WebhookVendorNotFoundError(name)
      const check = verify(secret, rawBody, signature)
      if (!check.ok) throw new BadSignatureError(check.reason)
      const text = rawBody?.toString('utf8') ?? ''
      if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw new JsonTooDeepError(MAX_JSON_DEPTH)
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch (err) {
        throw new MalformedWebhookError((err as Error).message)
      }
      checkKeys(body)
      return body
    },

    async retry (id) {
      const replayed = await backend.replay(id)
      if (replayed !== null) return toView(replayed)
      const job = await store.get(id)
      if (job === null) throw new JobNotFoundError(id)
      throw new NotFailedError(id, job.status)
    },

    async applyWebhook (name, body) {
      const id = body.request_id
      // Whatever the job waited in ends: a callback deadline, a call on the wire (a callback may beat its acceptance).
      const ends = { deadline: null, waiting: null, holder: null, nextAttemptAt: null } as const
      const outcome: JobChange = body.error === undefined
        ? { status: 'complete', result: body.result, ...ends }
        : { status: 'failed', error: body.error, ...ends }
      let job = await store.get(id)
      if (job === null) throw new JobNotFoundError(id)
      if (job.vendor !== name) throw new WrongVendorError(id, job.vendor, name)
      if (job.status === 'processing') {
        const applied = await tracedStep(job, 'webhook', () => store.transition(id, 'processing', outcome))
        if (applied !== null) {
          jobLog(app.log, id, name).info({ status: applied.status }, 'job ended by webhook')
          observeEnd(app.metrics.observer, name, applied.status, applied.createdAt)
          await queue.reindex(name, [{ id, status: applied.status, createdAt: applied.createdAt }])
          return { request_id: id, outcome: 'applied', status: applied.status }
        }
        // Lost a race (the deadline, or the same webhook twice at once): judge against what won.
        job = await store.get(id)
        if (job === null) throw new JobNotFoundError(id)
      }
      if (isTerminal(job.status) && sameOutcome(job, outcome)) {
        return { request_id: id, outcome: 'duplicate', status: job.status }
      }
      throw new NotWaitingError(id, job.status)
    }
  } satisfies Jobs)
}

function sameOutcome (job: Job, outcome: JobChange): boolean {
  if (job.status !== outcome.status) return false
  return job.status === 'failed' ? job.error === outcome.error : isDeepStrictEqual(job.result, outcome.result)
}

export default fp(jobsPlugin, {
  name: 'jobs',
  fastify: '5.x',
  dependencies: ['config', 'backend', 'vendors', 'metrics']
})
