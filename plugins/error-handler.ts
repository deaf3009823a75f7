import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { STATUS_CODES } from 'node:http'

/**
 * One error shape for every reply, `{statusCode, code, error, message}`. A 4xx says what was wrong;
 * an unexpected 5xx is logged in full and answered without its details.
 */
async function errorHandlerPlugin (app: FastifyInstance): Promise<void> {
  app.setErrorHandler((err: FastifyError, request, reply) => {
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
