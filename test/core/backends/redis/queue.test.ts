import { Redis } from 'ioredis'
import t from 'tap'
import { redisFor, skipWithoutRedis } from '../../../redis-server.js'
import { queueContract } from '../../dispatch/queue-contract.js'
import { twoQueues } from './queues.js'

const skip = skipWithoutRedis(t)

queueContract('redis', skip, async (t, opts) => {
  const { url, prefix } = await redisFor(t)
  return twoQueues(t, prefix, async () => {
    const redis = new Redis(url)
    t.teardown(() => redis.disconnect())
    return redis
  }, opts)
})
