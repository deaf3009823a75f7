import { randomUUID } from 'node:crypto'
import t, { test } from 'tap'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { createRedisQueue } from '../../../../core/backends/redis/queue.js'
import type { DispatchQueue } from '../../../../core/dispatch/queue.js'
import { redisClient, redisFor, skipWithoutRedis, type Teardown } from '../../../redis-server.js'
import { LIMITS } from '../../dispatch/queue-contract.js'

const skip = skipWithoutRedis(t)

/** A worker's queue in its own process, as far as clocks go: the scripts' time is Redis's, whatever Date.now() says. */
async function worker (t: Teardown, url: string, prefix: string): Promise<DispatchQueue> {
  const queue = await createRedisQueue(redisClient(t, url), { keys: redisKeys(prefix), consumer: randomUUID(), vendors: ['v'], subscriber: redisClient(t, url), leaseMs: 30_000, marginMs: 0 })
  t.teardown(() => queue.close())
  return queue
}

/** Runs `fn` while this process's clock is `skewMs` off. */
async function skewed<T> (skewMs: number, fn: () => Promise<T>): Promise<T> {
  const real = Date.now
  Date.now = () => real() + skewMs
  try {
    return await fn()
  } finally {
    Date.now = real
  }
}

test('a worker whose clock runs 45 s ahead is not granted a slot that another worker\'s call still holds', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const [a, b] = [await worker(t, url, prefix), await worker(t, url, prefix)]
  const limits = { ...LIMITS, concurrency: 1 }
  await a.enqueue('v', [{ id: randomUUID(), createdAt: Date.now(), team: 'default' }, { id: randomUUID(), createdAt: Date.now(), team: 'default' }])
  t.equal((await a.take(limits, 5, { reclaim: false })).deliveries.length, 1, 'the one slot')
  const ahead = await skewed(45_000, () => b.take(limits, 5, { reclaim: true }))
  t.same(ahead.deliveries, [], 'no second call while the first is on the wire')
  t.equal(ahead.blocked, 'concurrency')
})

test('a Retry-After pause set by a worker whose clock runs 45 s behind still lasts its time by Redis\'s clock', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const [a, b] = [await worker(t, url, prefix), await worker(t, url, prefix)]
  await a.enqueue('v', [{ id: randomUUID(), createdAt: Date.now(), team: 'default' }, { id: randomUUID(), createdAt: Date.now(), team: 'default' }])
  const [d] = (await a.take(LIMITS, 1, { reclaim: false })).deliveries
  if (d === undefined) return t.fail('nothing taken')
  await skewed(-45_000, () => a.settle(LIMITS, [{ delivery: d, pauseUntil: Date.now() + 2000, next: { at: Date.now() + 2000, kind: 'call' }, status: 'processing' }]))
  const paused = await b.take(LIMITS, 5, { reclaim: false })
  t.equal(paused.blocked, 'paused', 'the vendor is paused for every worker')
  t.ok((paused.wakeAt ?? 0) - Date.now() > 1500, `until about 2 s from now by this worker's clock (${(paused.wakeAt ?? 0) - Date.now()} ms)`)
  const behind = await skewed(-45_000, () => a.take(LIMITS, 5, { reclaim: false }))
  t.equal(behind.blocked, 'paused', 'for the worker whose clock is behind too')
  t.ok((behind.wakeAt ?? 0) - (Date.now() - 45_000) > 1500, 'whose wake-up is told on its own clock')
})

test('a take tells its wake-up time on the asking worker\'s own clock, whatever it says', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const [a] = [await worker(t, url, prefix)]
  await a.enqueue('v', Array.from({ length: 3 }, () => ({ id: randomUUID(), createdAt: Date.now(), team: 'default' })))
  const limits = { ...LIMITS, rateLimit: { perSecond: 1, burst: 1 } }
  t.equal((await a.take(limits, 5, { reclaim: false })).deliveries.length, 1)
  for (const skew of [-45_000, 45_000]) {
    const take = await skewed(skew, () => a.take(limits, 5, { reclaim: false }))
    const wait = (take.wakeAt ?? 0) - (Date.now() + skew)
    t.ok(wait > 500 && wait <= 1000, `clock ${skew / 1000} s off: the next grant in ${wait} ms`)
  }
})
