import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import t, { test } from 'tap'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { createRedisQueue } from '../../../../core/backends/redis/queue.js'
import { redisFor, skipWithoutRedis, type Teardown } from '../../../redis-server.js'

const skip = skipWithoutRedis(t)

const connect = (t: Teardown, url: string): Redis => {
  const redis = new Redis(url)
  t.teardown(() => redis.disconnect())
  return redis
}

test('coverage reads a stream longer than one of its slices to the end', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const queue = await createRedisQueue(connect(t, url), { keys: redisKeys(prefix), consumer: 'c', vendors: ['v'], subscriber: connect(t, url), leaseMs: 30_000, marginMs: 0 })
  t.teardown(() => queue.close())
  const backlog = Array.from({ length: 12_000 }, () => ({ id: randomUUID(), createdAt: 1 }))
  await queue.enqueue('v', backlog)
  const [first, last] = [backlog[0], backlog[backlog.length - 1]]
  if (first === undefined || last === undefined) return
  const lost = { id: randomUUID(), createdAt: 1 }
  t.same((await queue.coverage('v', [last, lost, first])).map((c) => c.entry), [true, false, true])
})
