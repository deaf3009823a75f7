import type { FastifyInstance } from 'fastify'
import type { FastifyChildLoggerFactory } from 'fastify/types/logger.js'
import fp from 'fastify-plugin'

const JOB_PATH = /^\/jobs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[/?]|$)/i
/** Levels at which the access lines (info) are not written: binding would cost for nothing. */
const QUIET = new Set(['fatal', 'error', 'warn', 'silent'])

/** A route option for routes under /jobs/{id}: the request's lines carry the job's request_id from the start. */
export const jobPathLogger: FastifyChildLoggerFactory = (logger, bindings, opts, req) => {
  const id = JOB_PATH.exec(req.url ?? '')?.[1]
  return logger.child(id === undefined ? bindings : { ...bindings, request_id: id.toLowerCase() }, opts)
}

/**
 * Every line about a job carries its request_id and vendor: once a reply names a job (a submission, a
 * job read, a webhook applied), the request's remaining lines, its "request completed" among them, do too.
 */
async function jobLogsPlugin (app: FastifyInstance): Promise<void> {
  // A callback hook: an async one would cost a promise on every reply with a body.
  app.addHook('preSerialization', (request, reply, payload, done) => {
    const id = QUIET.has(request.log.level) || payload === null || typeof payload !== 'object' ? undefined : (payload as { request_id?: unknown }).request_id
    if (typeof id === 'string') {
      const vendor = (payload as { vendor?: unknown }).vendor ?? (request.params as { vendor?: unknown } | undefined)?.vendor ??
        (request.body as { vendor?: unknown } | undefined)?.vendor
      const log = request.log.child({ request_id: id, ...(typeof vendor === 'string' ? { vendor } : {}) })
      request.log = log
      reply.log = log
    }
    done(null, payload)
  })
}

export default fp(jobLogsPlugin, { name: 'job-logs', fastify: '5.x' })
