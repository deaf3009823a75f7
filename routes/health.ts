import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { HealthReply } from './schemas.js'

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    // Never shed: while the service sheds load, /health says so with `load: down`.
    config: { pressureHandler: () => {} },
    schema: {
      tags: ['health'],
      summary: 'Whether the service can take jobs, and the state of each dependency',
      response: {
        200: Type.Ref(HealthReply, { description: 'can take jobs' }),
        503: Type.Ref(HealthReply, { description: 'cannot take jobs; checks name what is down' })
      }
    }
  }, async (_request, reply) => {
    const health = await app.health()
    return reply.code(health.status === 'ok' ? 200 : 503).send(health)
  })
}

export default healthRoutes
