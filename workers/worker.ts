import Fastify, { type FastifyInstance } from 'fastify'
import { registerInfrastructure } from '../app.js'
import type { Config } from '../plugins/config.js'
import errorHandlerPlugin from '../plugins/error-handler.js'
import healthRoutes from '../routes/health.js'
import metricsRoutes from '../routes/metrics.js'
import { sharedSchemas } from '../routes/schemas.js'
import { start } from '../start.js'

/**
 * `npm run worker`: a standalone worker. The same infrastructure plugins as the API, no public routes,
 * and /health and /metrics on WORKER_PORT. Any number may run against one Redis.
 */
export async function buildWorker (config: Config, opts: { logger?: object | boolean } = {}): Promise<FastifyInstance> {
  if (config.redis === undefined) {
    throw new Error('a standalone worker needs REDIS_URL: in embedded mode the queue lives inside the API process')
  }
  const app = Fastify({ logger: opts.logger ?? false })
  for (const schema of sharedSchemas) app.addSchema(schema)
  await app.register(errorHandlerPlugin)
  await registerInfrastructure(app, { ...config, worker: 'in-process', mockVendors: 'off' })
  await app.register(healthRoutes)
  await app.register(metricsRoutes)
  return app
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await start({
    what: 'the worker',
    role: 'worker',
    build: (config) => buildWorker(config, { logger: { level: config.logLevel, base: { role: 'worker' } } }),
    port: (config) => config.workerPort
  })
}
