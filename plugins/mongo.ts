import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Db, MongoClient } from 'mongodb'
import { createMongoClient, describeMongoUrl } from '../core/backends/mongo/client.js'

declare module 'fastify' {
  interface FastifyInstance {
    mongo: { client: MongoClient, db: Db }
  }
}

interface MongoPluginOptions {
  url: string
}

async function mongoPlugin (app: FastifyInstance, opts: MongoPluginOptions): Promise<void> {
  const client = await createMongoClient(opts.url)
  app.decorate('mongo', { client, db: client.db(describeMongoUrl(opts.url).database) })
  // The client is this plugin's own, so closing it here cannot pull one from under anybody else.
  app.addHook('onClose', async () => {
    await client.close()
  })
}

export default fp(mongoPlugin, { name: 'mongo', fastify: '5.x', dependencies: ['config'] })
