import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { redisKeys } from './redis/keys.js'
import { createCachedStore } from './store/cached.js'
import { createMemoryStore } from './store/memory.js'
import { createMongoStore } from './store/mongo.js'
import { createRedisStore, type RedisStore } from './store/redis.js'
import type { JobStore } from './store/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: JobStore
  }
}

/**
 * The job store of this mode: memory (with a warning that says so), Redis when REDIS_URL is set, or
 * MongoDB behind a Redis cache when MONGO_URL is set too.
 */
async function storePlugin (app: FastifyInstance): Promise<void> {
  const { redis } = app.config
  if (redis === undefined) {
    app.decorate('store', createMemoryStore())
    app.log.warn('embedded mode: jobs are kept in memory only and are lost when this process stops')
    return
  }
  const keys = redisKeys(redis.prefix)
  if (app.config.mongo === undefined) {
    app.decorate('store', createRedisStore(app.redis, { prefix: redis.prefix, ttlMs: redis.jobTtlMs }))
    return
  }
  const mongo = await createMongoStore(app.mongo.db, { ttlMs: redis.jobTtlMs })
  app.decorate('store', createCachedStore(mongo, app.redis, keys))
}

/** Redis mode submits through the store's script, which writes the job and its queue entry together. */
export function isRedisStore (store: JobStore): store is RedisStore {
  return store.kind === 'redis'
}

export default fp(storePlugin, { name: 'store', fastify: '5.x', dependencies: ['config'] })
