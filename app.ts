import AjvCompiler from '@fastify/ajv-compiler'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import backendPlugin from './plugins/backend.js'
import configPlugin, { type Config } from './plugins/config.js'
import docsPlugin from './plugins/docs.js'
import errorHandlerPlugin, { frameworkErrors } from './plugins/error-handler.js'
import adminAuthPlugin from './plugins/admin-auth.js'
import healthPlugin from './plugins/health.js'
import historyPlugin from './plugins/history.js'
import jobListingPlugin from './plugins/job-listing.js'
import jobLogsPlugin from './plugins/job-logs.js'
import { requestId } from './core/input/request-id.js'
import batchesPlugin from './plugins/batches.js'
import jobsPlugin from './plugins/jobs.js'
import notifierPlugin from './plugins/notifier.js'
import waitsPlugin from './plugins/waits.js'
import intakePlugin from './plugins/intake.js'
import teamAuthPlugin from './plugins/team-auth.js'
import teamsPlugin from './plugins/teams.js'
import spendPlugin from './plugins/spend.js'
import jsonBodyPlugin from './plugins/json-body.js'
import loadPlugin from './plugins/load.js'
import metricsPlugin from './plugins/metrics.js'
import mongoPlugin from './plugins/mongo.js'
import redisPlugin from './plugins/redis.js'
import resultsPlugin from './plugins/results.js'
import { registerRouteTracing } from './plugins/tracing.js'
import vendorAdminPlugin from './plugins/vendor-admin.js'
import vendorsPlugin from './plugins/vendors.js'
import workerPlugin from './plugins/worker.js'
import batchRoutes from './routes/batches.js'
import dashboardRoutes from './routes/dashboard.js'
import healthRoutes from './routes/health.js'
import jobsRoutes from './routes/jobs.js'
import listingRoutes from './routes/listing.js'
import metricsRoutes from './routes/metrics.js'
import { operationsSchemas, sharedSchemas } from './routes/schemas.js'
import teamRoutes from './routes/teams.js'
import vendorRoutes from './routes/vendors.js'
import webhookRoutes from './routes/webhooks.js'
import webhooksPlugin from './plugins/webhooks.js'

export const BODY_LIMIT = 1024 * 1024

/** Credentials a log line must never show, whoever logs a request's headers: teams' keys and the admin token. */
const LOG_REDACT = { paths: ['req.headers.authorization', 'headers.authorization', 'request.headers.authorization'], censor: '[redacted]' }

const ajvCompilers = AjvCompiler()

/**
 * A body of the wrong type is a 400, never silently coerced (an error of 5 must not become "5"); a query
 * string, path or header is text by nature, so `?limit=20` is coerced to the integer its schema names.
 */
const buildValidator: NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator'] = (externalSchemas, ajvOptions) => {
  type Options = { customOptions?: AjvCompiler.Options, plugins?: never[] }
  const options = ajvOptions as Options
  // An unknown query parameter (a misspelt filter) is a 400 where the schema closes the object, never dropped silently.
  const build = (coerceTypes: false | 'array') => ajvCompilers(externalSchemas, { ...options, customOptions: { ...options.customOptions, coerceTypes, removeAdditional: false } } as Options)
  const strict = build(false)
  const coercing = build('array')
  return (route) => route.httpPart === 'body' ? strict(route) : coercing(route)
}

/** Infrastructure every process needs: the API and a standalone worker register the same plugins. */
export async function registerInfrastructure (app: FastifyInstance, config: Config): Promise<void> {
  await app.register(configPlugin, { config })
  if (config.redis !== undefined) await app.register(redisPlugin, { url: config.redis.url, cluster: config.redis.cluster })
  if (config.mongo !== undefined) await app.register(mongoPlugin, { url: config.mongo.url })
  await app.register(backendPlugin)
  await app.register(metricsPlugin)
  await app.register(historyPlugin)
  await app.register(vendorsPlugin)
  // Before the worker: every process that ends jobs keeps their results and ends their followers.
  await app.register(resultsPlugin)
  await app.register(workerPlugin, { enabled: config.worker === 'in-process' })
  await app.register(notifierPlugin, { enabled: config.worker === 'in-process' })
  await app.register(healthPlugin)
}

/** Builds the API from a configuration; it never listens, so tests and entry points share it. */
export async function buildApp (config: Config, opts: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    requestIdHeader: false,
    genReqId: requestId,
    schemaController: { compilersFactory: { buildValidator } },
    frameworkErrors,
    ...opts,
    ...(typeof opts.logger === 'object' ? { logger: { redact: LOG_REDACT, ...opts.logger } } : {})
  }).withTypeProvider<TypeBoxTypeProvider>()
  // Only JSON is accepted: Fastify parses text/plain by default, which would let a string in as a job.
  app.removeContentTypeParser('text/plain')
  for (const schema of [...sharedSchemas, ...operationsSchemas]) app.addSchema(schema)
  if (config.tracing) await registerRouteTracing(app)

  await app.register(errorHandlerPlugin)
  await app.register(jobLogsPlugin)
  await app.register(jsonBodyPlugin)
  await registerInfrastructure(app, config)
  await app.register(docsPlugin)
  // Loaded only where they run: no other process reads the mock vendors' code.
  if (config.mockVendors === 'in-process') await app.register((await import('./plugins/mock-vendors.js')).default)
  await app.register(loadPlugin)
  await app.register(teamAuthPlugin)
  await app.register(intakePlugin)
  await app.register(spendPlugin)
  await app.register(waitsPlugin)
  await app.register(jobsPlugin)
  await app.register(batchesPlugin)
  await app.register(webhooksPlugin)
  await app.register(adminAuthPlugin)
  await app.register(vendorAdminPlugin)
  await app.register(jobListingPlugin)
  await app.register(teamsPlugin)
  await app.register(jobsRoutes)
  await app.register(batchRoutes)
  await app.register(listingRoutes)
  await app.register(vendorRoutes)
  await app.register(teamRoutes)
  await app.register(webhookRoutes)
  await app.register(healthRoutes)
  await app.register(metricsRoutes)
  await app.register(dashboardRoutes)
  return app
}
