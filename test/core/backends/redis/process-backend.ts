import { Redis } from 'ioredis'
import { createRedisBackend } from '../../../../core/backends/redis/index.js'
import type { Teardown } from '../../../redis-server.js'

/** One process's Redis backend: connections and a consumer name of its own, the fleet's prefix. */
export async function processBackend (t: Teardown, url: string, prefix: string, consumer: string) {
  const connect = () => {
    const redis = new Redis(url)
    t.teardown(() => redis.disconnect())
    return redis
  }
  const backend = await createRedisBackend(connect(), { prefix, jobTtlMs: 60_000, consumer, vendors: ['v'], subscriber: connect(), leaseMs: 30_000, marginMs: 0 })
  t.teardown(() => backend.close())
  return backend
}
