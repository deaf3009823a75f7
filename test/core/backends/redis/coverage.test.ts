import { randomUUID } from 'node:crypto'
import t, { test } from 'tap'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { createRedisQueue } from '../../../../core/backends/redis/queue.js'
import { redisClient, redisFor, skipWithoutRedis } from '../../../redis-server.js'

const skip = skipWithoutRedis(t)


test('coverage reads ready lists and a stream longer than one of their slices to the end', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const queue = await createRedisQueue(redisClient(t, url), { keys: redisKeys(prefix), consumer: 'c', vendors: ['v'], subscriber: redisClient(t, url), leaseMs: 30_000, marginMs: 0 })
  t.teardown(() => queue.close())
  const backlog = Array.from({ length: 12_000 }, () => ({ id: randomUUID(), createdAt: 1, team: 'default' }))
  await queue.enqueue('v', backlog)
  const [first, last] = [backlog[0], backlog[backlog.length - 1]]
  if (first === undefined || last === undefined) return
  const lost = { id: randomUUID(), createdAt: 1, team: 'default' }
  t.same((await queue.coverage('v', [last, lost, first])).map((c) => c.entry), [true, false, true], 'waiting in a list longer than a slice')
  const limits = { name: 'v', rateLimit: { perSecond: 1e6, burst: 1e6 }, quotas: [], concurrency: 20_000, maxWaitMs: 60_000, breaker: { minCalls: 4, failureRatio: 0.5, windowMs: 10_000, halfOpenAfterMs: 1000, probes: 1 } }
  for (let taken = 0; taken < backlog.length;) taken += (await queue.take(limits, 5000, { reclaim: false })).deliveries.length
  t.same((await queue.coverage('v', [last, lost, first])).map((c) => c.entry), [true, false, true], 'handed out, in a stream longer than a slice')
})
