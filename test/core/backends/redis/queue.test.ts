import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import t from 'tap'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { createRedisBackend } from '../../../../core/backends/redis/index.js'
import { createRedisQueue } from '../../../../core/backends/redis/queue.js'
import { redisFor, skipWithoutRedis, type Teardown } from '../../../redis-server.js'
import { type Clock, queueContract } from '../../dispatch/queue-contract.js'
import { indexContract } from '../../job-index-contract.js'

const skip = skipWithoutRedis(t)

const connect = (t: Teardown, url: string): Redis => {
  const redis = new Redis(url)
  t.teardown(() => redis.disconnect())
  return redis
}

queueContract('redis', skip, async (t, { leaseMs = 30_000, marginMs = 0, clock }) => {
  const { url, prefix } = await redisFor(t)
  const queue = (consumer: string) => createRedisQueue(connect(t, url), {
    keys: redisKeys(prefix),
    consumer,
    vendors: ['v', 'w'],
    subscriber: connect(t, url),
    leaseMs,
    marginMs,
    ...(clock === undefined ? {} : { now: () => (clock as Clock).now })
  })
  const pair = [await queue(`a-${randomUUID()}`), await queue(`b-${randomUUID()}`)] as const
  t.teardown(() => Promise.all(pair.map((q) => q.close())))
  return [...pair]
})

indexContract('redis', skip, async (t) => {
  const { url, prefix } = await redisFor(t)
  const backend = await createRedisBackend(connect(t, url), {
    prefix, jobTtlMs: 60_000, consumer: `c-${randomUUID()}`, vendors: ['syncVendor', 'asyncVendor'], subscriber: connect(t, url), leaseMs: 30_000, marginMs: 0
  })
  t.teardown(() => backend.close())
  return backend
})
