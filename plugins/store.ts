import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createMemoryStore } from './store/memory.js'
import { createRedisStore, type RedisStore } from './store/redis.js'
import type { JobStore } from './store/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: JobStore
  }
}

/** The job store of this mode: Redis when REDIS_URL is set, else memory (and a warning that says so). */
async function storePlugin (app: FastifyInstance): Promise<void> {
  const { redis } = app.config
  if (redis === undefined) {
    app.decorate('store', createMemoryStore())
    app.log.warn('embedded mode: jobs are kept in memory only and are lost when this process stops')
    return
  }
  app.decorate('store', createRedisStore(app.redis, { prefix: redis.prefix, ttlMs: redis.jobTtlMs }))
}

/** Redis mode submits through the store's script, which writes the job and its queue entry together. */
export function isRedisStore (store: JobStore): store is RedisStore {
  return store.kind === 'redis'
}

export default fp(storePlugin, { name: 'store', fastify: '5.x', dependencies: ['config'] })
