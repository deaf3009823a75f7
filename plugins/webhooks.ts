import { completeChange, failChange } from '../core/ending.js'
import { isDeepStrictEqual } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { clip, wellFormed } from '../core/input/clip.js'
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../core/input/json-depth.js'
import type { KeyRules } from '../core/input/payload-keys.js'
import { storableResult, storableTexts } from '../core/input/storable.js'
import { isTerminal, type Job, type JobChange } from '../core/job.js'
import { observeEnd } from '../core/dispatch/observer.js'
import { jobLog } from '../core/log.js'
import { tracedStep } from '../core/tracing.js'
import { MappingError } from '../vendors/adapters/errors.js'
import type { IncomingHeaders } from '../vendors/adapters/signatures.js'
import { type CallbackFields, MAX_FORM_FIELDS, readCallback, readForm, verifyCallback } from '../vendors/adapters/webhook.js'
import {
  BadSignatureError, JobNotFoundError, JsonTooDeepError, MalformedWebhookError, NotWaitingError, StaleCallbackError,
  UnnamedCallbackError, UnreadableWebhookError, WebhookVendorNotFoundError, WrongVendorError
} from './errors.js'
import { checkKeys } from './jobs.js'

interface WebhookAck {
  request_id: string
  outcome: 'applied' | 'duplicate'
  status: Job['status']
}

/** An async vendor's callbacks: checked, read by the vendor's webhook settings, and applied to the attempt they answer. */
interface Webhooks {
  /**
   * Checks, in order, the vendor (404) and the signature (401), then reads the raw body (400): JSON, or a
   * form's fields. `path` is the path and query the vendor called, which a scheme may sign as a full URL.
   */
  open (vendor: string, rawBody: Buffer | undefined, headers: IncomingHeaders, path: string): Promise<CallbackFields>
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
  const { publicUrl } = app.config
  const { store, queue } = backend
  const keyRules = { dollarPrefix: app.config.mode === 'full' }

  const jobOfRef = async (vendor: string, vendorRef: string): Promise<string | undefined> => {
    for (const until = Date.now() + REF_WAIT_MS; ; await sleep(REF_POLL_MS)) {
      const id = await queue.jobOfRef(vendor, vendorRef)
      if (id !== undefined || Date.now() >= until) return id
    }
  }

  app.decorate('webhooks', {
    async open (name, rawBody, headers, path) {
      const adapter = vendors.runtime(name)?.adapter
      if (adapter?.webhook === undefined) throw new WebhookVendorNotFoundError(name)
      const text = rawBody?.toString('utf8') ?? ''
      // Read before the signature is checked, as a scheme may sign the fields and the URL; judged only after it.
      const formed = isForm(headers['content-type'])
      const form = formed ? readForm(text) : undefined
      const json = formed ? undefined : readJson(text)
      const body = form?.body ?? json?.body
      const check = await verifyCallback(adapter, rawBody, headers, { url: `${publicUrl}${path}`, body, params: form?.params ?? [] })
      if (!check.ok) throw new BadSignatureError(check.reason)
      if (formed && form === undefined) throw new UnreadableWebhookError(`a form holds at most ${MAX_FORM_FIELDS} fields`)
      if (json?.problem !== undefined) throw json.problem
      checkKeys(body, keyRules)
      let fields: CallbackFields
      try {
        fields = await readCallback(adapter, { headers, body })
      } catch (err) {
        if (err instanceof MappingError) throw new UnreadableWebhookError(err.message)
        throw err
      }
      // Kept well formed, as the job keeps the vendor's id (storableTexts), so that the two compare equal.
      if (fields.vendorRef !== undefined) fields.vendorRef = wellFormed(fields.vendorRef)
      if (fields.requestId !== undefined && !UUID.test(fields.requestId)) {
        throw new UnreadableWebhookError(`the job id ${JSON.stringify(clip(fields.requestId))} is not a UUID`)
      }
      return fields
    },

    async apply (name, callback, ref) {
      const id = callback.requestId ?? (callback.vendorRef === undefined ? undefined : await jobOfRef(name, callback.vendorRef))
      if (id === undefined) throw new JobNotFoundError(`for ${name}'s id ${JSON.stringify(clip(callback.vendorRef ?? ''))}`)
      // Whatever the job waited in ends (failChange, completeChange): a callback deadline, a call on the wire (a callback may beat its acceptance).
      const outcome = storableTexts(endOf(name, callback, keyRules))
      let job = await store.get(id)
      if (job === null) throw new JobNotFoundError(id)
      if (job.vendor !== name) throw new WrongVendorError(id, job.vendor, name)
      const answers = callback.vendorRef ?? ref
      if (job.status === 'processing') {
        // A vendor without ids of its own learns the attempt only from the callback URL's ref, which no
        // signature covers: a callback without it could be a replay of any attempt, so it names none.
        const attempt = job.vendorRef ?? job.holder
        if (answers === undefined && attempt !== undefined && vendors.runtime(name)?.adapter.accepted === undefined) throw new UnnamedCallbackError(id)
        // The attempt the job waits for (or the call still on the wire) is the only one a callback may end.
        if (answers !== undefined && job.vendorRef !== answers && job.holder !== answers) throw new StaleCallbackError(id)
        const applied = await tracedStep(job, 'webhook', () => store.transition(id, 'processing', outcome))
        if (applied !== null) {
          jobLog(app.log, id, name).info({ status: applied.status }, 'job ended by webhook')
          observeEnd(app.metrics.observer, name, applied.status, applied.createdAt, applied.team)
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

/** How a callback ends its job; a result no store can hold fails the job, saying why. */
function endOf (vendor: string, callback: CallbackFields, rules: KeyRules): JobChange {
  if (callback.error !== undefined) return failChange(callback.error)
  const stored = storableResult(callback.result ?? null, rules)
  if (stored.ok) return completeChange(stored.value)
  return failChange(`${vendor} called back with a result that cannot be stored: ${stored.problem}`)
}

/** A JSON callback's body, or why it is not one (reported once its signature passed). */
function readJson (text: string): { body?: unknown, problem?: Error } {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return { problem: new JsonTooDeepError(MAX_JSON_DEPTH) }
  try {
    return { body: JSON.parse(text) }
  } catch (err) {
    return { problem: new MalformedWebhookError((err as Error).message) }
  }
}

function isForm (type: string | string[] | undefined): boolean {
  return typeof type === 'string' && type.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'
}

function sameOutcome (job: Job, outcome: JobChange): boolean {
  if (job.status !== outcome.status) return false
  return job.status === 'failed' ? job.error === outcome.error : isDeepStrictEqual(job.result ?? null, outcome.result)
}

export default fp(webhooksPlugin, { name: 'webhooks', fastify: '5.x', dependencies: ['config', 'backend', 'vendors', 'metrics'] })
