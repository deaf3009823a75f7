import { Redis } from 'ioredis'
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { createRedisBackend } from '../../../../core/backends/redis/index.js'
import { redisFor, skipWithoutRedis, type Teardown } from '../../../redis-server.js'
import { queueContract } from '../../dispatch/queue-contract.js'
import { indexContract } from '../../job-index-contract.js'
import { twoQueues } from './queues.js'

const skip = skipWithoutRedis(t)

const connect = (t: Teardown, url: string): Redis => {
  const redis = new Redis(url)
  t.teardown(() => redis.disconnect())
  return redis
}

queueContract('redis', skip, async (t, opts) => {
  const { url, prefix } = await redisFor(t)
  return twoQueues(t, prefix, async () => connect(t, url), opts)
})

indexContract('redis', skip, async (t) => {
  const { url, prefix } = await redisFor(t)
  const backend = await createRedisBackend(connect(t, url), {
    prefix, jobTtlMs: 60_000, consumer: `c-${randomUUID()}`, vendors: ['syncVendor', 'asyncVendor'], subscriber: connect(t, url), leaseMs: 30_000, marginMs: 0
  })
  t.teardown(() => backend.close())
  return backend
})
