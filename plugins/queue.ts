import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createMemoryQueue } from './queue/memory.js'
import { createRedisQueue } from './queue/redis.js'
import type { JobQueue } from './queue/types.js'
import { createRedisClient } from './redis.js'
import { redisKeys } from './redis/keys.js'
import { isRedisStore } from './store.js'

declare module 'fastify' {
  interface FastifyInstance {
    queue: JobQueue
  }
}

async function queuePlugin (app: FastifyInstance): Promise<void> {
  const { redis: settings } = app.config
  const { store } = app
  if (settings === undefined) {
    const queue = createMemoryQueue(store)
    app.decorate('queue', queue)
    app.addHook('onClose', async () => queue.close())
    return
  }
  // XREADGROUP BLOCK holds its connection, so reading gets a second client of its own.
  const blocking = await createRedisClient(settings.url, { log: app.log })
  const queue: JobQueue = await createRedisQueue(app.redis, blocking, {
    keys: redisKeys(settings.prefix),
    consumer: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    claimIdleMs: settings.claimIdleMs,
    // Redis mode writes a job and its entry in one script. Full mode writes MongoDB, then the entry: a
    // crash in between leaves a pending job no client was told of (no 202), never an acknowledged one lost.
    ...(isRedisStore(store)
      ? { submit: (job) => store.submit(job), replay: (id, change) => store.transitionAndQueue(id, 'failed', change) }
      : {
          submit: async (job) => {
            await store.create(job)
            await queue.add({ id: job.id, vendor: job.vendor })
          },
          replay: async (id, change) => {
            const job = await store.transition(id, 'failed', change)
            if (job !== null) await queue.add({ id, vendor: job.vendor })
            return job
          }
        })
  })
  app.decorate('queue', queue)
  app.addHook('onClose', async () => {
    await queue.close()
    blocking.disconnect()
  })
}

export default fp(queuePlugin, { name: 'queue', fastify: '5.x', dependencies: ['config', 'store'] })
