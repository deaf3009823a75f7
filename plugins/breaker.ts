import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createMemoryBreaker } from './breaker/memory.js'
import { createRedisBreaker } from './breaker/redis.js'
import type { Breaker } from './breaker/types.js'
import { redisKeys } from './redis/keys.js'
import { defineScripts } from './redis/scripts.js'

declare module 'fastify' {
  interface FastifyInstance {
    breaker: Breaker
  }
}

/** The vendors' circuit breakers; in Redis mode their state is shared by all workers. */
async function breakerPlugin (app: FastifyInstance): Promise<void> {
  const { redis } = app.config
  if (redis === undefined) {
    app.decorate('breaker', createMemoryBreaker())
    return
  }
  defineScripts(app.redis)
  app.decorate('breaker', createRedisBreaker(app.redis, redisKeys(redis.prefix)))
}

export default fp(breakerPlugin, { name: 'breaker', fastify: '5.x', dependencies: ['config'] })
