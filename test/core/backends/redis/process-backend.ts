
import { createRedisBackend } from '../../../../core/backends/redis/index.js'
import type { Teardown } from '../../../redis-server.js'
import { redisClient } from '../../../redis-server.js'

/** One process's Redis backend: connections and a consumer name of its own, the fleet's prefix. */
export async function processBackend (t: Teardown, url: string, prefix: string, consumer: string) {
  const backend = await createRedisBackend(redisClient(t, url), { prefix, jobTtlMs: 60_000, consumer, vendors: ['v'], subscriber: redisClient(t, url), leaseMs: 30_000, marginMs: 0 })
  t.teardown(() => backend.close())
  return backend
}
