import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import t, { test } from 'tap'
import { createRedisClient } from '../../../../core/backends/redis/client.js'
import { type CacheKeys, createCachedStore } from '../../../../core/backends/mongo/cached.js'
import { isTerminal, type Job } from '../../../../core/job.js'
import { createMemoryStore } from '../../../../core/backends/memory/store.js'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { redisEndHook } from '../../../../core/backends/redis/outbox.js'
import type { JobStore } from '../../../../core/store.js'
import { redisFor, skipWithoutRedis, startRedis, type Teardown } from '../../../redis-server.js'
import { storeContract } from '../../store-contract.js'

const skip = skipWithoutRedis(t)
const stoppable = skip || skipWithoutRedis(t, { stoppable: true })
t.comment(skip === false ? 'cached store: contract exercised through a real Redis, memory store behind it' : skip)

const quiet = { warn () {}, info () {} }
const cacheKeys = (prefix: string): CacheKeys => ({ cache: (id) => `${prefix}:job:{${id}}` })

async function client (t: Teardown, url: string): Promise<Redis> {
  const redis = await createRedisClient(url, { log: quiet })
  t.teardown(() => redis.disconnect())
  return redis
}

/** A cache over a memory store, with the Redis client and key builder the tests look through. */
async function cached (t: Teardown, inner: JobStore = createMemoryStore()) {
  const { url, prefix } = await redisFor(t)
  const redis = await client(t, url)
  const keys = cacheKeys(prefix)
  const store = createCachedStore(inner, redis, keys)
  const entry = async (id: string): Promise<Job | null> => {
    const json = await redis.get(keys.cache(id))
    return json === null ? null : JSON.parse(json)
  }
  return { store, redis, keys, entry }
}

/** A promise and the function that settles it, to hold one store call at a chosen point. */
function gate (): { opened: Promise<void>, open (): void } {
  let open = (): void => {}
  const opened = new Promise<void>((resolve) => { open = resolve })
  return { opened, open }
}

const newJob = (over: Partial<Job> = {}): Job => ({
  id: randomUUID(), vendor: 'asyncVendor', team: 'default', status: 'pending', payload: { q: 1 }, attempts: 0, createdAt: Date.now(), updatedAt: Date.now(), ...over
})

if (skip === false) storeContract('cached store', async () => (await cached(t)).store)

test('whoever a job\'s end wakes (full mode\'s end hook) reads the job ended, not the cache\'s older copy', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const redis = await client(t, url)
  const memory = createMemoryStore()
  const seen: Array<string | undefined> = []
  const hook = redisEndHook(redis, redisKeys(prefix), true)
  // As MongoDB's store does: the end hook runs inside the write, before the cache's writer puts the job.
  const inner: JobStore = {
    ...memory,
    async transition (id, from, change) {
      const job = await memory.transition(id, from, change)
      if (job !== null && isTerminal(job.status)) {
        await hook(job)
        seen.push((await store.get(id))?.status)
      }
      return job
    }
  }
  const store = createCachedStore(inner, redis, cacheKeys(prefix))
  const job = newJob()
  await store.create(job)
  await store.transition(job.id, 'pending', { status: 'processing', attempts: 1 })
  t.equal((await store.get(job.id))?.status, 'processing', 'cached as processing')
  await store.transition(job.id, 'processing', { status: 'complete', result: 1 })
  t.same(seen, ['complete'])
})

test('a read after a transition never shows the older state, even when the cache held the job', { skip }, async (t) => {
  const { store, entry } = await cached(t)
  const job = newJob()
  await store.create(job)
  t.equal((await entry(job.id))?.status, 'pending', 'created and cached')
  const before = await entry(job.id)
  t.equal(await store.transition(job.id, 'processing', { status: 'complete' }), null)
  t.same(await entry(job.id), before, 'a lost transition leaves the cached job as it was')
  await store.transition(job.id, 'pending', { status: 'processing', attempts: 1 })
  t.match(await store.get(job.id), { status: 'processing', attempts: 1 })
  await store.transition(job.id, 'processing', { status: 'complete', result: { ok: true } })
  t.match(await store.get(job.id), { status: 'complete', result: { ok: true } })
})

test('the cached job lives 300 s while active and 3600 s once terminal', { skip }, async (t) => {
  const { store, redis, keys } = await cached(t)
  const job = newJob()
  const ttl = () => redis.ttl(keys.cache(job.id))
  await store.create(job)
  t.ok(await ttl() > 290 && await ttl() <= 300, 'pending: 300 s')
  await store.transition(job.id, 'pending', { status: 'processing', attempts: 1 })
  t.ok(await ttl() > 290 && await ttl() <= 300, 'processing: 300 s')
  await store.transition(job.id, 'processing', { status: 'failed', error: 'no' })
  t.ok(await ttl() > 3590 && await ttl() <= 3600, 'failed: 3600 s')
})

test('a read that missed cannot put back the state it read before a transition', { skip }, async (t) => {
  const inner = createMemoryStore()
  const reading = gate()
  const release = gate()
  const slow: JobStore = { ...inner, get: async (id) => { const job = await inner.get(id); reading.open(); await release.opened; return job } }
  const { store, redis, keys, entry } = await cached(t, slow)
  const job = newJob()
  await store.create(job)
  await redis.del(keys.cache(job.id))
  const read = store.get(job.id)
  await reading.opened
  await store.transition(job.id, 'pending', { status: 'processing', attempts: 1 })
  release.open()
  t.equal((await read)?.status, 'pending', 'the read itself began before the transition')
  t.not((await entry(job.id))?.status, 'pending', 'but its older state is not cached')
  t.equal((await store.get(job.id))?.status, 'processing')
})

test('of two transitions whose cache writes arrive out of order, reads show the later one', { skip }, async (t) => {
  const inner = createMemoryStore()
  const stored = gate()
  const release = gate()
  let held = false
  const slow: JobStore = {
    ...inner,
    transition: async (id, from, change) => {
      const job = await inner.transition(id, from, change)
      // The first transition (the worker recording the acceptance) is slow to reach Redis.
      if (!held) { held = true; stored.open(); await release.opened }
      return job
    }
  }
  const { store } = await cached(t, slow)
  const job = newJob({ status: 'processing', attempts: 1 })
  await store.create(job)
  const acceptance = store.transition(job.id, 'processing', { deadline: Date.now() + 60_000 })
  await stored.opened
  await store.transition(job.id, 'processing', { status: 'complete', result: { by: 'webhook' } })
  release.open()
  await acceptance
  t.equal((await store.get(job.id))?.status, 'complete')
})

test('with Redis stopped, reads come from the inner store, and writes fail without changing it', { skip: stoppable }, async (t) => {
  const server = await startRedis(t)
  const redis = await client(t, server.url)
  const inner = createMemoryStore()
  const store = createCachedStore(inner, redis, cacheKeys(`test-${randomUUID()}`))
  const job = newJob()
  await store.create(job)
  await server.stop()
  t.same(await store.get(job.id), job, 'read from the inner store')
  t.equal(await store.get(randomUUID()), null)
  await t.rejects(store.transition(job.id, 'pending', { status: 'processing', attempts: 1 }))
  t.same(await inner.get(job.id), job, 'the transition did not reach the store')
  const other = newJob()
  await t.rejects(store.create(other))
  t.equal(await inner.get(other.id), null, 'nor did the create')
})

test('a job cached before teams existed reads as the default team\'s', { skip }, async (t) => {
  const { store, redis, keys } = await cached(t)
  const { team: _team, ...legacy } = newJob()
  await redis.set(keys.cache(legacy.id), JSON.stringify(legacy), 'EX', 60)
  t.match(await store.get(legacy.id), { id: legacy.id, team: 'default' })
})
