import t from 'tap'
import { randomUUID } from 'node:crypto'
import { createRedisBackend } from '../../../../core/backends/redis/index.js'
import { redisClient, redisFor, skipWithoutRedis } from '../../../redis-server.js'
import { budgetContract } from '../../dispatch/budget-contract.js'
import { type MakeQueues, queueContract } from '../../dispatch/queue-contract.js'
import { indexContract } from '../../job-index-contract.js'
import { twoQueues } from './queues.js'

const skip = skipWithoutRedis(t)


const redisQueues: MakeQueues = async (t, opts) => {
  const { url, prefix } = await redisFor(t)
  return twoQueues(t, prefix, async () => redisClient(t, url), opts)
}
queueContract('redis', skip, redisQueues)
budgetContract('redis', skip, redisQueues)

indexContract('redis', skip, async (t) => {
  const { url, prefix } = await redisFor(t)
  const backend = await createRedisBackend(redisClient(t, url), {
    prefix, jobTtlMs: 60_000, consumer: `c-${randomUUID()}`, vendors: ['syncVendor', 'asyncVendor'], subscriber: redisClient(t, url), leaseMs: 30_000, marginMs: 0
  })
  t.teardown(() => backend.close())
  return backend
})
