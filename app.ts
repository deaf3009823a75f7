import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import backendPlugin from './plugins/backend.js'
import configPlugin, { type Config } from './plugins/config.js'
import docsPlugin from './plugins/docs.js'
import errorHandlerPlugin, { frameworkErrors } from './plugins/error-handler.js'
import healthPlugin from './plugins/health.js'
import { requestId } from './core/input/request-id.js'
import jobsPlugin from './plugins/jobs.js'
import jsonBodyPlugin from './plugins/json-body.js'
import loadPlugin from './plugins/load.js'
import mongoPlugin from './plugins/mongo.js'
import mockVendorsPlugin from './plugins/mock-vendors.js'
import redisPlugin from './plugins/redis.js'
import vendorsPlugin from './plugins/vendors.js'
import workerPlugin from './plugins/worker.js'
import healthRoutes from './routes/health.js'
import jobsRoutes from './routes/jobs.js'
import { sharedSchemas } from './routes/schemas.js'
import webhookRoutes from './routes/webhooks.js'
import webhooksPlugin from './plugins/webhooks.js'

export const BODY_LIMIT = 1024 * 1024

/** Infrastructure every process needs: the API and a standalone worker register the same plugins. */
export async function registerInfrastructure (app: FastifyInstance, config: Config): Promise<void> {
  await app.register(configPlugin, { config })
  if (config.redis !== undefined) await app.register(redisPlugin, { url: config.redis.url, cluster: config.redis.cluster })
  if (config.mongo !== undefined) await app.register(mongoPlugin, { url: config.mongo.url })
  await app.register(backendPlugin)
  await app.register(vendorsPlugin)
  await app.register(workerPlugin, { enabled: config.worker === 'in-process' })
  await app.register(healthPlugin)
}

/** Builds the API from a configuration; it never listens, so tests and entry points share it. */
export async function buildApp (config: Config, opts: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    requestIdHeader: false,
    genReqId: requestId,
    // A body of the wrong type is a 400, never silently coerced (an error of 5 must not become "5").
    ajv: { customOptions: { coerceTypes: false } },
    frameworkErrors,
    ...opts
  }).withTypeProvider<TypeBoxTypeProvider>()
  // Only JSON is accepted: Fastify parses text/plain by default, which would let a string in as a job.
  app.removeContentTypeParser('text/plain')
  for (const schema of sharedSchemas) app.addSchema(schema)

  await app.register(errorHandlerPlugin)
  await app.register(jsonBodyPlugin)
  await registerInfrastructure(app, config)
  await app.register(docsPlugin)
  if (config.mockVendors === 'in-process') await app.register(mockVendorsPlugin)
  await app.register(loadPlugin)
  await app.register(jobsPlugin)
  await app.register(webhooksPlugin)
  await app.register(jobsRoutes)
  await app.register(webhookRoutes)
  await app.register(healthRoutes)
  return app
}
