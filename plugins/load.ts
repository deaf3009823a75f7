import underPressure from '@fastify/under-pressure'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { OverloadedError, RETRY_AFTER_S } from './errors.js'

/**
 * Load shedding: past the event-loop delay or heap thresholds, requests are answered 503 with
 * Retry-After at once, so that an overloaded process recovers instead of queueing work it cannot do.
 * /health opts out (it reports `load` instead).
 */
async function loadPlugin (app: FastifyInstance): Promise<void> {
  const { maxEventLoopDelayMs, maxHeapUsedBytes } = app.config.load
  await app.register(underPressure, {
    maxEventLoopDelay: maxEventLoopDelayMs,
    maxHeapUsedBytes,
    retryAfter: RETRY_AFTER_S,
    customError: OverloadedError
  })
}

export default fp(loadPlugin, { name: 'load', fastify: '5.x', dependencies: ['config'] })
