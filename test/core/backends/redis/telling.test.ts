import { randomUUID } from 'node:crypto'
import t from 'tap'
import { createRedisBackend } from '../../../../core/backends/redis/index.js'
import { redisClient, redisFor, skipWithoutRedis } from '../../../redis-server.js'
import { tellingContract } from '../../telling-contract.js'

const skip = skipWithoutRedis(t)

/** One Redis: a job's end indexes its completion webhook and publishes itself in the script that ends it. */
tellingContract('redis', skip, async (t) => {
  const { url, prefix } = await redisFor(t)
  const backend = await createRedisBackend(redisClient(t, url), {
    prefix, jobTtlMs: 60_000, consumer: `c-${randomUUID()}`, vendors: ['v', 'w'], subscriber: redisClient(t, url), leaseMs: 30_000, marginMs: 0
  })
  t.teardown(() => backend.close())
  return backend
})
