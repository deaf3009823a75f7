import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createMemoryStore } from './store/memory.js'
import type { JobStore } from './store/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: JobStore
  }
}

async function storePlugin (app: FastifyInstance): Promise<void> {
  app.decorate('store', createMemoryStore())
  app.log.warn('embedded mode: jobs are kept in memory only and are lost when this process stops')
}

export default fp(storePlugin, { name: 'store', fastify: '5.x', dependencies: ['config'] })
