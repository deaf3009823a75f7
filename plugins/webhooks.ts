import { isDeepStrictEqual } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { clip } from '../core/input/clip.js'
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../core/input/json-depth.js'
import { isTerminal, type Job, type JobChange } from '../core/job.js'
import { observeEnd } from '../core/dispatch/observer.js'
import { jobLog } from '../core/log.js'
import { tracedStep } from '../core/tracing.js'
import { MappingError } from '../vendors/adapters/errors.js'
import type { IncomingHeaders } from '../vendors/adapters/signatures.js'
import { type CallbackFields, readCallback, verifyCallback } from '../vendors/adapters/webhook.js'
import {
  BadSignatureError, JobNotFoundError, JsonTooDeepError, MalformedWebhookError, NotWaitingError, StaleCallbackError,
  UnreadableWebhookError, WebhookVendorNotFoundError, WrongVendorError
} from './errors.js'
import { checkKeys } from './jobs.js'

export interface WebhookAck {
  request_id: string
  outcome: 'applied' | 'duplicate'
  status: Job['status']
}

/** An async vendor's callbacks: checked, read by the vendor's webhook settings, and applied to the attempt they answer. */
export interface Webhooks {
  /** Checks, in order, the vendor (404) and the signature (401), then reads the raw body (400). */
  open (vendor: string, rawBody: Buffer | undefined, headers: IncomingHeaders): Promise<CallbackFields>
  /** `ref`: the callback URL's reference to the call it answers, when the vendor gives no id of its own. */
  apply (vendor: string, callback: CallbackFields, ref?: string): Promise<WebhookAck>
}

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: Webhooks
  }
}

/** How long a callback naming the vendor's own id waits for the acceptance that records it: a very fast vendor's callback may beat it. */
const REF_WAIT_MS = 2_000
const REF_POLL_MS = 100
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

async function webhooksPlugin (app: FastifyInstance): Promise<void> {
  const { backend, vendors } = app
  const { store, queue } = backend
  const keyRules = { dollarPrefix: app.config.mode === 'full' }

  const jobOfRef = async (vendor: string, vendorRef: string): Promise<string | undefined> => {
    for (const until = Date.now() + REF_WAIT_MS; ; await sleep(REF_POLL_MS)) {
      const id = await queue.jobOfRef(vendor, vendorRef)
      if (id !== undefined || Date.now() >= until) return id
    }
  }

  app.decorate('webhooks', {
    async open (name, rawBody, headers) {
      const adapter = vendors.runtime(name)?.adapter
      if (adapter?.webhook === undefined) throw new WebhookVendorNotFoundError(name)
      const check = verifyCallback(adapter, rawBody, headers)
      if (!check.ok) throw new BadSignatureError(check.reason)
      const text = rawBody?.toString('utf8') ?? ''
      if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw new JsonTooDeepError(MAX_JSON_DEPTH)
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch (err) {
        throw new MalformedWebhookError((err as Error).message)
      }
      checkKeys(body, keyRules)
      let fields: CallbackFields
      try {
        fields = await readCallback(adapter, { headers, body })
      } catch (err) {
        if (err instanceof MappingError) throw new UnreadableWebhookError(err.message)
        throw err
      }
      if (fields.requestId !== undefined && !UUID.test(fields.requestId)) {
        throw new UnreadableWebhookError(`the job id ${JSON.stringify(clip(fields.requestId))} is not a UUID`)
      }
      return fields
    },

    async apply (name, callback, ref) {
      const id = callback.requestId ?? (callback.vendorRef === undefined ? undefined : await jobOfRef(name, callback.vendorRef))
      if (id === undefined) throw new JobNotFoundError(`for ${name}'s id ${JSON.stringify(clip(callback.vendorRef ?? ''))}`)
      // Whatever the job waited in ends: a callback deadline, a call on the wire (a callback may beat its acceptance).
      const ends = { deadline: null, waiting: null, holder: null, nextAttemptAt: null } as const
      const outcome: JobChange = callback.error === undefined
        ? { status: 'complete', result: callback.result ?? null, ...ends }
        : { status: 'failed', error: callback.error, ...ends }
      let job = await store.get(id)
      if (job === null) throw new JobNotFoundError(id)
      if (job.vendor !== name) throw new WrongVendorError(id, job.vendor, name)
      const answers = callback.vendorRef ?? ref
      if (job.status === 'processing') {
        // The attempt the job waits for (or the call still on the wire) is the only one a callback may end.
        if (answers !== undefined && job.vendorRef !== answers && job.holder !== answers) throw new StaleCallbackError(id)
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
        // A vendor repeats a callback whose answer it lost: the listing may have missed it too (a 503 after the store write).
        await queue.reindex(name, [{ id, status: job.status, createdAt: job.createdAt }])
        return { request_id: id, outcome: 'duplicate', status: job.status }
      }
      throw new NotWaitingError(id, job.status)
    }
  } satisfies Webhooks)
}

function sameOutcome (job: Job, outcome: JobChange): boolean {
  if (job.status !== outcome.status) return false
  return job.status === 'failed' ? job.error === outcome.error : isDeepStrictEqual(job.result ?? null, outcome.result)
}

export default fp(webhooksPlugin, { name: 'webhooks', fastify: '5.x', dependencies: ['config', 'backend', 'vendors', 'metrics'] })
