import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import t, { test } from 'tap'
import { createRedisQueue } from '../../../plugins/queue/redis.js'
import { redisKeys } from '../../../plugins/redis/keys.js'
import type { Job } from '../../../plugins/store/job-state.js'
import { createRedisStore } from '../../../plugins/store/redis.js'
import { redisFor, skipWithoutRedis, type Teardown } from '../../redis-server.js'

const skip = skipWithoutRedis(t)

/** Two consumers of one queue, each with the connections a worker process has. */
async function setup (t: Teardown, claimIdleMs = 60_000) {
  const { url, prefix } = await redisFor(t)
  const keys = redisKeys(prefix)
  const connect = (): Redis => {
    const redis = new Redis(url)
    t.teardown(() => redis.disconnect())
    return redis
  }
  const redis = connect()
  const store = createRedisStore(redis, { prefix })
  const consumer = (name: string) => createRedisQueue(redis, connect(), {
    keys, consumer: name, claimIdleMs, submit: (job) => store.submit(job), replay: (id, change) => store.transitionAndQueue(id, 'failed', change)
  })
  const job = (): Job => ({ id: randomUUID(), vendor: 'syncVendor', status: 'pending', payload: {}, attempts: 0, createdAt: Date.now(), updatedAt: Date.now() })
  return { redis, keys, store, job, a: await consumer('a'), b: await consumer('b') }
}

test('a submitted job is stored and queued together, and read once by the group', { skip }, async (t) => {
  const { redis, keys, store, job, a, b } = await setup(t)
  const j = job()
  await a.submit(j)
  t.same(await store.get(j.id), j)
  const [first, second] = await Promise.all([a.read(10, 200), b.read(10, 200)])
  const all = [...(first ?? []), ...(second ?? [])]
  t.same(all.map((d) => [d.id, d.vendor, d.deliveries]), [[j.id, 'syncVendor', 1]], 'one consumer gets it, once')
  await all[0]?.ack()
  t.equal(await redis.xlen(keys.queue), 0, 'an acknowledged entry leaves the stream')
  t.same(await redis.xpending(keys.queue, keys.group), [0, null, null, null])
})

test('an entry added with a delay is not delivered before it is due', { skip }, async (t) => {
  const { job, a } = await setup(t)
  const j = job()
  await a.add({ id: j.id, vendor: j.vendor }, 300)
  const started = Date.now()
  const early = await a.read(10, 100)
  t.same(early, [])
  let got: string[] = []
  while (got.length === 0 && Date.now() - started < 3000) got = (await a.read(10, 1000)).map((d) => d.id)
  t.same(got, [j.id])
  t.ok(Date.now() - started >= 290, `delivered after ${Date.now() - started} ms`)
})

test('an entry left unacknowledged by a dead consumer is claimed by another after the idle time, with its delivery count', { skip }, async (t) => {
  const { job, a, b } = await setup(t, 300)
  const j = job()
  await a.submit(j)
  t.equal((await a.read(10, 200)).length, 1, 'a takes it and dies without acking')
  t.same(await b.read(10, 50), [], 'not before the idle time')
  await sleep(350)
  const claimed = await b.read(10, 50)
  t.same(claimed.map((d) => [d.id, d.deliveries]), [[j.id, 2]])
})

test('a dead-lettered entry leaves the queue for job-dlq with its reason', { skip }, async (t) => {
  const { redis, keys, job, a } = await setup(t)
  const j = job()
  await a.submit(j)
  const [delivery] = await a.read(10, 200)
  await delivery?.deadLetter('too many deliveries')
  t.equal(await redis.xlen(keys.queue), 0)
  const [[, fields] = ['', []]] = await redis.xrange(keys.deadLetter, '-', '+')
  t.same(fields, ['id', j.id, 'vendor', 'syncVendor', 'deliveries', '1', 'reason', 'too many deliveries'])
})

test('reading recreates the consumer group when Redis lost it', { skip }, async (t) => {
  const { redis, keys, job, a } = await setup(t)
  await redis.del(keys.queue)
  await t.rejects(a.read(10, 50), /NOGROUP/)
  const j = job()
  await a.submit(j)
  t.same((await a.read(10, 200)).map((d) => d.id), [j.id])
})

test('replaying a failed job changes it and queues it together; any other job is left alone', { skip }, async (t) => {
  const { redis, keys, store, job, a } = await setup(t)
  const failed = { ...job(), status: 'failed' as const, attempts: 5, error: 'gave up' }
  const complete = { ...job(), status: 'complete' as const, result: {} }
  await store.create(failed)
  await store.create(complete)
  t.equal(await a.replay(complete.id, { status: 'pending', attempts: 0 }), null)
  t.equal(await redis.xlen(keys.queue), 0, 'nothing queued for a job that was not failed')
  t.match(await a.replay(failed.id, { status: 'pending', attempts: 0, error: null }), { status: 'pending', attempts: 0 })
  t.same((await a.read(10, 200)).map((d) => [d.id, d.vendor]), [[failed.id, 'syncVendor']])
})
