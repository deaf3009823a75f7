import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { createSigner } from '../adapters/signatures.js'
import type { WebhookSignature } from '../adapters/entry.js'
import { createMockVendor, type MockVendorOptions } from './vendor.js'
import { createWebhookSender, jsonCallbacks } from './webhooks.js'

export interface MockEnrichOptions extends MockVendorOptions {
  /** Callers send `Authorization: Basic` with these. */
  username: string
  password: string
  /** How callbacks are signed: Standard Webhooks (a `whsec_` secret) or a GitHub-style HMAC header. */
  signature: WebhookSignature
  webhookSecret: string
}

const KEPT_KEYS = 100_000
/** How long an early callback leads the answer: enough for it to reach a receiver on this machine. */
const EARLY_LEAD_MS = 100

const EnrichCall = Type.Object({
  task: Type.String({ minLength: 1 }),
  input: Type.Record(Type.String(), Type.Unknown()),
  notify_url: Type.String({ pattern: '^https?://' })
})

/**
 * An async vendor with its own job ids: `POST /v1/jobs {task, input, notify_url}` answers 202 `{id}`, then
 * posts `{type: "job.completed", data: {id, output}}` (or `job.failed` with a reason, when the input says
 * `simulate: "failure"`) to notify_url, signed by its scheme. The same Idempotency-Key gets the same job back.
 */
export function buildMockEnrichVendor (opts: MockEnrichOptions): FastifyInstance {
  const { app, faults, stats, admit } = createMockVendor(opts)
  const webhooks = createWebhookSender({ encode: jsonCallbacks(createSigner(opts.signature, opts.webhookSecret)), stats, log: app.log, retries: () => faults.webhookRetries })
  app.addHook('onClose', async () => webhooks.close())
  const basic = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`
  const byKey = new Map<string, string>()
  // Keys are kept as long as a retry could come, bounded so that a load test cannot fill the memory.
  const remember = (key: string, id: string) => {
    byKey.set(key, id)
    if (byKey.size > KEPT_KEYS) byKey.delete(byKey.keys().next().value as string)
  }

  app.post('/v1/jobs', { schema: { body: EnrichCall } }, async (request, reply) => {
    if (request.headers.authorization !== basic) return reply.code(401).send({ error: 'unauthorized' })
    const header = request.headers['idempotency-key']
    const key = typeof header === 'string' && header !== '' ? header : undefined
    const known = key === undefined ? undefined : byKey.get(key)
    const id = known ?? `job_${randomUUID().replaceAll('-', '').slice(0, 16)}`
    if (!await admit(key ?? id, reply)) return reply
    if (known !== undefined) return reply.code(200).send({ id, status: 'queued' })
    if (key !== undefined) remember(key, id)
    const { input, notify_url: notifyUrl } = request.body
    if (Math.random() >= faults.webhookDropRate) {
      const body = input.simulate === 'failure'
        ? { type: 'job.failed', data: { id, reason: 'the input could not be enriched' } }
        : { type: 'job.completed', data: { id, output: { ...input, enriched: true, score: 0.87 } } }
      const copies = Math.random() < faults.webhookDuplicateRate ? 2 : 1
      const { webhookDelayMinMs: min, webhookDelayMaxMs: max } = faults
      if (Math.random() < faults.webhookEarlyRate) {
        // Sent before the answer but not waited for: the callback names only our id, which the receiver
        // learns from this answer, so holding the answer until the callback is answered would deadlock.
        void webhooks.schedule(notifyUrl, body, 0, copies)
        await sleep(EARLY_LEAD_MS)
      } else {
        void webhooks.schedule(notifyUrl, body, min + Math.random() * (max - min), copies)
      }
    }
    return reply.code(202).send({ id, status: 'queued' })
  })
  return app
}
