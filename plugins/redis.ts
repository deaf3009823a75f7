import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createRedisClient, type RedisClient } from '../core/backends/redis/client.js'

declare module 'fastify' {
  interface FastifyInstance {
    redis: RedisClient
  }
}

interface RedisPluginOptions {
  url: string
  /** `url` names one node of a Redis Cluster (REDIS_CLUSTER); false by default. */
  cluster?: boolean
}

async function redisPlugin (app: FastifyInstance, opts: RedisPluginOptions): Promise<void> {
  // The worker's takes and settlements, and each POST's two writes, leave in as few writes as they can. Not on
  // a Cluster, where ioredis' pipelines fail a command that meets a MOVED instead of following it.
  const redis = await createRedisClient(opts.url, { log: app.log, cluster: opts.cluster ?? false, autoPipelining: opts.cluster !== true })
  app.decorate<RedisClient>('redis', redis)
  app.addHook('onClose', async () => {
    // QUIT needs a live connection; while Redis is down only a disconnect stops the reconnection loop.
    await redis.quit().catch(() => redis.disconnect())
  })
}

export default fp(redisPlugin, { name: 'redis', fastify: '5.x', dependencies: ['config'] })
