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
  if (settings === undefined || !isRedisStore(store)) {
    const queue = createMemoryQueue(store)
    app.decorate('queue', queue)
    app.addHook('onClose', async () => queue.close())
    return
  }
  // XREADGROUP BLOCK holds its connection, so reading gets a second client of its own.
  const blocking = await createRedisClient(settings.url, { log: app.log })
  const queue = await createRedisQueue(app.redis, blocking, {
    keys: redisKeys(settings.prefix),
    consumer: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    claimIdleMs: settings.claimIdleMs,
    submit: (job) => store.submit(job),
    replay: (id, change) => store.transitionAndQueue(id, 'failed', change)
  })
  app.decorate('queue', queue)
  app.addHook('onClose', async () => {
    await queue.close()
    blocking.disconnect()
  })
}

export default fp(queuePlugin, { name: 'queue', fastify: '5.x', dependencies: ['config', 'store'] })
