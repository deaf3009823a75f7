import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { createSigner } from '../adapters/signatures.js'
import { vendorResult } from './data.js'
import { createMockVendor, type MockVendorOptions, VendorCall } from './vendor.js'
import { createWebhookSender, jsonCallbacks } from './webhooks.js'

const AsyncVendorCall = Type.Object({ ...VendorCall.properties, callback_url: Type.String({ pattern: '^https?://' }) })

/**
 * An async vendor: accepts a call with 202, then posts the result, signed with `secret`, to the call's
 * callback_url after a random delay, unless a fault drops or duplicates that callback.
 */
export function buildMockAsyncVendor (opts: MockVendorOptions & { secret: string }): FastifyInstance {
  const { app, faults, stats, admit } = createMockVendor(opts)
  const webhooks = createWebhookSender({ encode: jsonCallbacks(createSigner({ scheme: 'stripe' }, opts.secret)), stats, log: app.log, retries: () => faults.webhookRetries })
  app.addHook('onClose', async () => webhooks.close())

  app.post('/*', { schema: { body: AsyncVendorCall } }, async (request, reply) => {
    const { request_id: requestId, payload, callback_url: callbackUrl } = request.body
    if (!await admit(requestId, reply)) return reply
    if (Math.random() >= faults.webhookDropRate) {
      const { webhookDelayMinMs: min, webhookDelayMaxMs: max } = faults
      const body = { request_id: requestId, result: vendorResult(requestId, payload, 'asyncVendor') }
      const copies = Math.random() < faults.webhookDuplicateRate ? 2 : 1
      // An early callback is delivered before this call is answered: the service hears the result first.
      if (Math.random() < faults.webhookEarlyRate) await webhooks.schedule(callbackUrl, body, 0, copies)
      else void webhooks.schedule(callbackUrl, body, min + Math.random() * (max - min), copies)
    }
    return reply.code(202).send({ accepted: true, request_id: requestId })
  })
  return app
}
