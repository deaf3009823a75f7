import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Cluster, Redis } from 'ioredis'
import { type RedisKeys, redisKeys } from './redis/keys.js'

/**
 * When async vendors' callbacks are due. `lease` hands each overdue id to one sweeper for `leaseMs`;
 * the sweeper clears it once handled, and if it dies first another sweeper leases it again.
 */
export interface Deadlines {
  set (id: string, at: number): Promise<void>
  clear (id: string): Promise<void>
  lease (now: number, max: number, leaseMs: number): Promise<string[]>
}

declare module 'fastify' {
  interface FastifyInstance {
    deadlines: Deadlines
  }
}

export function createMemoryDeadlines (): Deadlines {
  const due = new Map<string, number>()
  return {
    async set (id, at) { due.set(id, at) },
    async clear (id) { due.delete(id) },
    async lease (now, max, leaseMs) {
      const leased: string[] = []
      for (const [id, at] of due) {
        if (leased.length >= max) break
        if (at <= now) {
          due.set(id, now + leaseMs)
          leased.push(id)
        }
      }
      return leased
    }
  }
}

export function createRedisDeadlines (redis: Redis | Cluster, keys: RedisKeys): Deadlines {
  return {
    async set (id, at) { await redis.zadd(keys.deadlines, at, id) },
    async clear (id) { await redis.zrem(keys.deadlines, id) },
    lease: (now, max, leaseMs) => redis.vfsLeaseDue(keys.deadlines, now, max, leaseMs)
  }
}

async function deadlinesPlugin (app: FastifyInstance): Promise<void> {
  const { config } = app
  app.decorate('deadlines', config.redis === undefined ? createMemoryDeadlines() : createRedisDeadlines(app.redis, redisKeys(config.redis.prefix)))
}

export default fp(deadlinesPlugin, { name: 'deadlines', fastify: '5.x', dependencies: ['config', 'store'] })
