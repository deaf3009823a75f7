import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify'
import fp from 'fastify-plugin'
import { STATUS_CODES } from 'node:http'
import { RETRY_AFTER_S, UnavailableError } from './errors.js'
import { clip } from '../core/input/clip.js'
import { isRedisUnavailable } from '../core/backends/redis/client.js'

/** Schema issues as one line; clipped, since an instance path can carry a client's own keys. */
export function describeIssues (issues: FastifySchemaValidationError[], dataVar: string): string {
  return clip(issues.map((i) => `${dataVar}${i.instancePath} ${i.message ?? 'is invalid'}`).join(', '))
}

const URL_PROBLEMS: Record<string, string> = {
  FST_ERR_BAD_URL: 'is not a valid URL',
  FST_ERR_MAX_PARAM_LENGTH: 'has a path parameter over the length limit'
}

/** Fastify's `frameworkErrors`: URLs the router refuses, in the same shape, repeating at most a clipped URL. */
export function frameworkErrors (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const statusCode = err.statusCode ?? 400
  const problem = URL_PROBLEMS[err.code] ?? 'cannot be routed'
  reply.code(statusCode).send({ statusCode, code: err.code, error: STATUS_CODES[statusCode] ?? 'Error', message: `${clip(request.url)} ${problem}` })
}

/**
 * One error shape for every reply, `{statusCode, code, error, message}`. A 4xx says what was wrong;
 * an unexpected 5xx is logged in full and answered without its details; an outage or an overload is a
 * 503 with Retry-After, logged by the request line only: one error line per shed request would flood
 * the log just when the process can least afford it.
 */
async function errorHandlerPlugin (app: FastifyInstance): Promise<void> {
  app.setSchemaErrorFormatter((issues, dataVar) => new Error(describeIssues(issues, dataVar)))
  app.setErrorHandler((caught: FastifyError, request, reply) => {
    // A dependency that is down or full is the service's state, not a bug: a quick 503 the client can retry.
    const err: FastifyError = isRedisUnavailable(caught) ? new UnavailableError('the job store cannot be reached or is full') : caught
    const statusCode = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    const exposed = statusCode < 500 || (err.code?.startsWith('VFS_ERR_') ?? false)
    const outage = statusCode === 503 && exposed
    if (statusCode >= 500 && !outage) request.log.error({ err }, 'request failed')
    if (outage && !reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_S)
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
    message: `Route ${request.method}:${clip(request.url)} not found`
  }))
}

export default fp(errorHandlerPlugin, { name: 'error-handler', fastify: '5.x' })
