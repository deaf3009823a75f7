import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Backend } from '../core/backend.js'
import { createMemoryBackend } from '../core/backends/memory/index.js'
import { createCachedStore } from '../core/backends/mongo/cached.js'
import { createMongoBatches } from '../core/backends/mongo/batches.js'
import { createMongoStore } from '../core/backends/mongo/store.js'
import { createRedisClient } from '../core/backends/redis/client.js'
import { createRedisBackend } from '../core/backends/redis/index.js'
import { redisKeys } from '../core/backends/redis/keys.js'
import { redisEndHook } from '../core/backends/redis/outbox.js'
import { weightOf } from '../core/teams/config.js'
import { endListeners } from '../core/ending.js'

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
  const { redis, mongo, vendors, embeddedMaxJobs } = app.config
  const dispatch = { ...app.config.dispatch, weightOf: weightOf(app.config.teams) }
  if (redis === undefined) {
    app.decorate('backend', createMemoryBackend(dispatch, { maxJobs: embeddedMaxJobs }))
    app.log.warn('embedded mode: jobs are kept in memory only and are lost when this process stops')
    app.addHook('onClose', async () => app.backend.close())
    return
  }
  const keys = redisKeys(redis.prefix)
  const ends = endListeners()
  const outboxHook = redisEndHook(app.redis, keys, true)
  const jobs = mongo === undefined
    ? undefined
    : await createMongoStore(app.mongo.db, { ttlMs: redis.jobTtlMs, ended: async (job) => { await Promise.all([outboxHook(job), ends.tell(job)]) } })
  const batches = mongo === undefined ? undefined : await createMongoBatches(app.mongo.db, redis.jobTtlMs)
  // A subscribed connection can do nothing else, so the wake-up channel gets its own.
  const subscriber = await createRedisClient(redis.url, { log: app.log, cluster: redis.cluster })
  const backend = await createRedisBackend(app.redis, {
    ...dispatch,
    prefix: redis.prefix,
    jobTtlMs: redis.jobTtlMs,
    consumer: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    vendors: [...vendors.keys()],
    subscriber,
    ends,
    ...(jobs === undefined ? {} : { store: createCachedStore(jobs, app.redis, { cache: keys.job }), waiting: jobs, index: jobs }),
    ...(batches === undefined ? {} : { batches })
  })
  app.decorate('backend', backend)
  app.addHook('onClose', async () => {
    await backend.close()
    subscriber.disconnect()
  })
}

export default fp(backendPlugin, { name: 'backend', fastify: '5.x', dependencies: ['config'] })
