import { randomUUID } from 'node:crypto'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import type { RedisClient } from '../../../../core/backends/redis/client.js'
import { createRedisQueue } from '../../../../core/backends/redis/queue.js'
import { createRedisStore } from '../../../../core/backends/redis/store.js'
import type { DispatchQueue } from '../../../../core/dispatch/queue.js'
import { redisClient, redisFor, type Teardown } from '../../../redis-server.js'
import type { Clock } from '../../dispatch/queue-contract.js'

/** Two workers' queues over one prefix, each with its own connections, as the queue contract takes them. */
export async function twoQueues (
  t: Teardown,
  prefix: string,
  connect: () => Promise<RedisClient>,
  { leaseMs = 30_000, marginMs = 0, clock, weightOf }: { leaseMs?: number, marginMs?: number, clock?: Clock, weightOf?: (team: string) => number },
  cluster = false
): Promise<[DispatchQueue, DispatchQueue]> {
  const queue = async (consumer: string) => createRedisQueue(await connect(), {
    keys: redisKeys(prefix),
    consumer,
    vendors: ['v', 'w'],
    subscriber: await connect(),
    leaseMs,
    marginMs,
    cluster,
    ...(clock === undefined ? {} : { now: () => clock.now }),
    ...(weightOf === undefined ? {} : { weightOf })
  })
  const pair: [DispatchQueue, DispatchQueue] = [await queue(`a-${randomUUID()}`), await queue(`b-${randomUUID()}`)]
  t.teardown(() => Promise.all(pair.map((q) => q.close())))
  return pair
}

/** One Redis holding jobs and the queue of vendor `v`: the take claims each job and the settlement records its change. */
export async function claimingQueue (t: Teardown) {
  const { url, prefix } = await redisFor(t)
  const redis = redisClient(t, url)
  const keys = redisKeys(prefix)
  const store = createRedisStore(redis, keys)
  const queue = await createRedisQueue(redis, { keys, consumer: 'c1', vendors: ['v'], subscriber: redisClient(t, url), leaseMs: 30_000, marginMs: 0, claims: true })
  t.teardown(() => queue.close())
  return { redis, keys, store, queue }
}
