import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { metricsErrors } from './schemas.js'

/** Prometheus' scrape target, on the API and on each standalone worker's WORKER_PORT. */
const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/metrics', {
    // Never shed: an overloaded process is exactly when its metrics matter.
    config: { pressureHandler: () => {} },
    schema: {
      tags: ['operations'],
      summary: 'Prometheus metrics in the text exposition format (404 with METRICS=off)',
      response: {
        200: { description: 'the text exposition format, version 0.0.4', content: { 'text/plain': { schema: Type.String() } } },
        ...metricsErrors
      }
    }
  }, async (_request, reply) => {
    const metrics = await app.metrics.render()
    if (metrics === undefined) return reply.callNotFound()
    return reply.type(metrics.contentType).send(metrics.body)
  })
}

export default metricsRoutes
