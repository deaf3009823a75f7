import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { CallbackFields } from '../vendors/adapters/webhook.js'
import { errors, SignatureHeaders, WebhookBody, WebhookParams, WebhookQuery, WebhookReply } from './schemas.js'

/**
 * Signatures cover the raw bytes, so this scope keeps JSON and form bodies (Twilio's callbacks) as buffers
 * until the signature is checked. Only this route takes form bodies.
 */
const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.removeContentTypeParser('application/json')
  const raw = (_request: unknown, body: Buffer | string, done: (err: null, body: Buffer | string) => void) => done(null, body)
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, raw)
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, raw)

  app.post('/vendor-webhook/:vendor', {
    schema: {
      tags: ['webhooks'],
      summary: "An async vendor's signed callback",
      consumes: ['application/json', 'application/x-www-form-urlencoded'],
      params: WebhookParams,
      querystring: WebhookQuery,
      headers: SignatureHeaders,
      body: Type.Union([
        Type.Ref(WebhookBody),
        Type.Object({}, { additionalProperties: true, description: "the shape the vendor's `webhook` settings read" })
      ]),
      response: {
        200: Type.Ref(WebhookReply, { description: 'applied, or a duplicate of what is recorded' }),
        400: errors[400],
        401: errors[401],
        404: errors[404],
        409: errors[409],
        413: errors[413],
        414: errors[414],
        415: errors[415],
        503: errors[503]
      }
    },
    // Runs before validation: the body is still the raw Buffer the parser kept (undefined without one), and
    // becomes the fields the vendor's webhook settings read from it.
    preValidation: async (request) => {
      const raw = request.body as unknown as Buffer | undefined
      request.body = await app.webhooks.open(request.params.vendor, raw, request.headers, request.url) as typeof request.body
    }
  }, async (request) => app.webhooks.apply(request.params.vendor, request.body as unknown as CallbackFields, request.query.ref))
}

export default webhookRoutes
