import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createMemoryQueue } from './queue/memory.js'
import type { JobQueue } from './queue/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    queue: JobQueue
  }
}

async function queuePlugin (app: FastifyInstance): Promise<void> {
  const queue = createMemoryQueue()
  app.decorate('queue', queue)
  app.addHook('onClose', async () => queue.close())
}

export default fp(queuePlugin, { name: 'queue', fastify: '5.x', dependencies: ['config'] })
