import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { STATUS_CODES } from 'node:http'
import { UnavailableError } from './errors.js'
import { isRedisUnavailable } from './redis.js'

/**
 * One error shape for every reply, `{statusCode, code, error, message}`. A 4xx says what was wrong;
 * an unexpected 5xx is logged in full and answered without its details; an outage is a 503.
 */
async function errorHandlerPlugin (app: FastifyInstance): Promise<void> {
  app.setErrorHandler((caught: FastifyError, request, reply) => {
    // A dependency that is down is the service's state, not a bug: a quick 503 the client can retry.
    const err: FastifyError = isRedisUnavailable(caught) ? new UnavailableError('the job store cannot be reached') : caught
    const statusCode = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    const exposed = statusCode < 500 || (err.code?.startsWith('VFS_ERR_') ?? false)
    if (statusCode >= 500) request.log.error({ err }, 'request failed')
    return reply.code(statusCode).send({
      statusCode,
      code: exposed ? (err.code ?? 'VFS_ERR_BAD_REQUEST') : 'VFS_ERR_INTERNAL',
      error: STATUS_CODES[statusCode] ?? 'Error',
      message: exposed ? err.message : 'Internal Server Error'
    })
  })
  app.setNotFoundHandler((request, reply) => reply.code(404).send({
    statusCode: 404,
    code: 'VFS_ERR_ROUTE_NOT_FOUND',
    error: 'Not Found',
    message: `Route ${request.method}:${request.url} not found`
  }))
}

export default fp(errorHandlerPlugin, { name: 'error-handler', fastify: '5.x' })
