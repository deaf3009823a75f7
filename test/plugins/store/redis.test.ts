import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import t, { test } from 'tap'
import { redisKeys } from '../../../plugins/redis/keys.js'
import type { Job } from '../../../plugins/store/job-state.js'
import { createRedisStore } from '../../../plugins/store/redis.js'
import { redisFor, skipWithoutRedis, type Teardown } from '../../redis-server.js'
import { racingClientsContract, storeContract } from './contract.js'

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
    return createRedisStore(shared, { prefix })
  })
}

const newJob = (over: Partial<Job> = {}): Job => ({
  id: randomUUID(), vendor: 'syncVendor', status: 'pending', payload: { q: 1 }, attempts: 0, createdAt: Date.now(), updatedAt: Date.now(), ...over
})

test('the job hash expires after about the configured time to live, and a transition keeps it', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const redis = client(t, url)
  const store = createRedisStore(redis, { prefix, ttlMs: 60_000 })
  const job = newJob()
  await store.create(job)
  const key = redisKeys(prefix).job(job.id)
  const ttl = await redis.pttl(key)
  t.ok(ttl > 55_000 && ttl <= 60_000, `pttl ${ttl} is close to 60 s`)
  await store.transition(job.id, 'pending', { status: 'processing' })
  t.ok(await redis.pttl(key) > 55_000, 'still expiring after the transition')
})

test('the status and vendor indexes follow a job through its transitions', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const redis = client(t, url)
  const keys = redisKeys(prefix)
  const store = createRedisStore(redis, { prefix })
  const job = newJob({ vendor: 'acme' })
  await store.create(job)
  const where = async (): Promise<string[]> => {
    const found: string[] = []
    for (const status of ['pending', 'processing', 'complete', 'failed'] as const) {
      const score = await redis.zscore(keys.status(status), job.id)
      if (score !== null) found.push(`${status}@${score}`)
    }
    return found
  }
  t.same(await where(), [`pending@${job.createdAt}`])
  t.equal(await redis.zscore(keys.vendor('acme'), job.id), String(job.createdAt))
  await store.transition(job.id, 'pending', { status: 'processing', attempts: 1 })
  t.same(await where(), [`processing@${job.createdAt}`])
  t.equal(await store.transition(job.id, 'pending', { status: 'processing' }), null, 'a lost compare-and-set')
  t.same(await where(), [`processing@${job.createdAt}`], 'a lost compare-and-set moves nothing')
  await store.transition(job.id, 'processing', { status: 'complete', result: {} })
  t.same(await where(), [`complete@${job.createdAt}`])
  t.equal(await redis.zcard(keys.vendor('acme')), 1, 'the vendor index holds the job once')
})

racingClientsContract('redis store', skip, async (t) => {
  const { url, prefix } = await redisFor(t)
  return [createRedisStore(client(t, url), { prefix }), createRedisStore(client(t, url), { prefix })]
})

test('an illegal transition is refused before any command reaches Redis', { skip }, async (t) => {
  const { url } = await redisFor(t)
  const closed = new Redis(url, { lazyConnect: true })
  closed.disconnect()
  const store = createRedisStore(closed)
  await t.rejects(store.transition(randomUUID(), 'complete', { status: 'pending' }), { name: 'IllegalTransitionError' })
  await t.rejects(store.transition(randomUUID(), 'pending', { status: 'processing' }), { message: /Connection is closed/ },
    'a legal one does reach the (closed) connection')
})

test('every applied transition is recorded in job-events, and a lost race records nothing', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const redis = client(t, url)
  const store = createRedisStore(redis, { prefix })
  const job = newJob()
  await store.create(job)
  await store.transition(job.id, 'pending', { status: 'processing', attempts: 1 })
  await store.transition(job.id, 'pending', { status: 'processing', attempts: 2 })
  await store.transition(job.id, 'processing', { status: 'complete', result: {} })
  const events = await redis.xrange(redisKeys(prefix).events, '-', '+')
  t.same(events.map(([, fields]) => fields), [
    ['id', job.id, 'from', 'pending', 'to', 'processing'],
    ['id', job.id, 'from', 'processing', 'to', 'complete']
  ])
})
