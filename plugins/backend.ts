import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Backend } from '../core/backend.js'
import { createMemoryBackend } from '../core/backends/memory/index.js'
import { createCachedStore } from '../core/backends/mongo/cached.js'
import { createMongoStore } from '../core/backends/mongo/store.js'
import { createRedisBackend } from '../core/backends/redis/index.js'
import { redisKeys } from '../core/backends/redis/keys.js'
import { createRedisClient } from './redis.js'

declare module 'fastify' {
  interface FastifyInstance {
    backend: Backend
  }
}

/**
 * The mode's storage in one place: the job store and the per-vendor dispatch queues. Embedded: both in
 * memory (with a warning that says so). Redis: a hash per job and Streams queues. Full: MongoDB's jobs
 * behind a Redis cache, with the same Redis queues.
 */
async function backendPlugin (app: FastifyInstance): Promise<void> {
  const { redis, mongo, dispatch, vendors, embeddedMaxJobs } = app.config
  if (redis === undefined) {
    app.decorate('backend', createMemoryBackend(dispatch, { maxJobs: embeddedMaxJobs }))
    app.log.warn('embedded mode: jobs are kept in memory only and are lost when this process stops')
    app.addHook('onClose', async () => app.backend.close())
    return
  }
  const jobs = mongo === undefined ? undefined : await createMongoStore(app.mongo.db, { ttlMs: redis.jobTtlMs })
  // A subscribed connection can do nothing else, so the wake-up channel gets its own.
  const subscriber = await createRedisClient(redis.url, { log: app.log, cluster: redis.cluster })
  const backend = await createRedisBackend(app.redis, {
    ...dispatch,
    prefix: redis.prefix,
    jobTtlMs: redis.jobTtlMs,
    consumer: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    vendors: [...vendors.keys()],
    subscriber,
    ...(jobs === undefined ? {} : { store: createCachedStore(jobs, app.redis, { cache: redisKeys(redis.prefix).job }), waiting: jobs, index: jobs })
  })
  app.decorate('backend', backend)
  app.addHook('onClose', async () => {
    await backend.close()
    subscriber.disconnect()
  })
}

export default fp(backendPlugin, { name: 'backend', fastify: '5.x', dependencies: ['config'] })
