import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import t, { test } from 'tap'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { createRedisStore } from '../../../../core/backends/redis/store.js'
import type { Job } from '../../../../core/job.js'
import { redisFor, skipWithoutRedis, type Teardown } from '../../../redis-server.js'
import { racingClientsContract, storeContract } from '../../store-contract.js'

const skip = skipWithoutRedis(t)

function client (t: Teardown, url: string): Redis {
  const redis = new Redis(url)
  t.teardown(() => redis.quit())
  return redis
}

let shared: Redis | undefined
// The contract gives makeStore no test, so the file shares one client and each store gets its own prefix.
if (skip === false) {
  storeContract('redis store', async () => {
    const { url, prefix } = await redisFor(t)
    shared ??= client(t, url)
    return createRedisStore(shared, redisKeys(prefix))
  })
}

const newJob = (over: Partial<Job> = {}): Job => ({
  id: randomUUID(), vendor: 'syncVendor', team: 'default', status: 'pending', payload: { q: 1 }, attempts: 0, createdAt: Date.now(), updatedAt: Date.now(), ...over
})

test('the job hash expires after about the configured time to live, and a transition keeps it', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const redis = client(t, url)
  const store = createRedisStore(redis, redisKeys(prefix), 60_000)
  const job = newJob()
  await store.create(job)
  const key = redisKeys(prefix).job(job.id)
  const ttl = await redis.pttl(key)
  t.ok(ttl > 55_000 && ttl <= 60_000, `pttl ${ttl} is close to 60 s`)
  await store.transition(job.id, 'pending', { status: 'processing' })
  t.ok(await redis.pttl(key) > 55_000, 'still expiring after the transition')
})

racingClientsContract('redis store', skip, async (t) => {
  const { url, prefix } = await redisFor(t)
  return [createRedisStore(client(t, url), redisKeys(prefix)), createRedisStore(client(t, url), redisKeys(prefix))]
})

test('an illegal transition is refused before any command reaches Redis', { skip }, async (t) => {
  const { url } = await redisFor(t)
  const closed = new Redis(url, { lazyConnect: true })
  closed.disconnect()
  const store = createRedisStore(closed, redisKeys())
  await t.rejects(store.transition(randomUUID(), 'complete', { status: 'pending' }), { name: 'IllegalTransitionError' })
  await t.rejects(store.transition(randomUUID(), 'pending', { status: 'processing' }), { message: /Connection is closed/ },
    'a legal one does reach the (closed) connection')
})
