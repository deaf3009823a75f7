import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errors, SignatureHeaders, WebhookBody, WebhookParams, WebhookReply } from './schemas.js'

/** Signatures cover the raw bytes, so this scope keeps JSON bodies as buffers until the signature is checked. */
const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

  app.post('/vendor-webhook/:vendor', {
    schema: {
      tags: ['webhooks'],
      summary: "An async vendor's signed callback",
      params: WebhookParams,
      headers: SignatureHeaders,
      body: Type.Ref(WebhookBody),
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
    // Runs before schema validation: the body is still the raw Buffer the parser kept (undefined without a body).
    preValidation: async (request) => {
      const raw = request.body as unknown as Buffer | undefined
      request.body = app.jobs.openWebhook(request.params.vendor, raw, request.headers['x-signature']) as typeof request.body
    }
  }, async (request) => app.jobs.applyWebhook(request.params.vendor, request.body))
}

export default webhookRoutes
