import { setTimeout as sleep } from 'node:timers/promises'
import { randomUUID } from 'node:crypto'
import t, { test } from 'tap'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { createRedisQueue } from '../../../../core/backends/redis/queue.js'
import type { DispatchQueue } from '../../../../core/dispatch/queue.js'
import { buildTestApp, startMocks, testConfig, waitFor } from '../../../helper.js'
import { redisClient, redisFor, skipWithoutRedis, type Teardown } from '../../../redis-server.js'
import { LIMITS } from '../../dispatch/queue-contract.js'

/** Each start of a worker names a new consumer in every vendor's group: they must not pile up. */
const skip = skipWithoutRedis(t)

async function setup (t: Teardown) {
  const { url, prefix } = await redisFor(t)
  const redis = redisClient(t, url)
  const keys = redisKeys(prefix)
  const queue = async (consumer: string): Promise<DispatchQueue> =>
    createRedisQueue(redisClient(t, url), { keys, consumer, vendors: ['v'], subscriber: redisClient(t, url), leaseMs: 30_000, marginMs: 0 })
  /** The group's consumers as XINFO tells them: name and pending entries. */
  const consumers = async (): Promise<Array<[string, number]>> => {
    const rows = await redis.xinfo('CONSUMERS', keys.vendor('v').queue, keys.group) as Array<Array<string | number>>
    return rows.map((row) => [String(row[1]), Number(row[3])] as [string, number]).sort()
  }
  const enqueue = (n: number) => Promise.all(Array.from({ length: n }, () => redis.xadd(keys.vendor('v').queue, '*', 'j', randomUUID(), 'c', Date.now(), 'k', 'c')))
  return { url, prefix, queue, consumers, enqueue }
}

test('a worker that stops cleanly leaves the group; one still holding an entry stays, with its entry', { skip }, async (t) => {
  const { queue, consumers, enqueue } = await setup(t)
  await enqueue(2)
  const [a, b] = [await queue('a'), await queue('b')]
  const [taken] = (await a.take(LIMITS, 1, { reclaim: false })).deliveries
  if (taken === undefined) return t.fail('nothing taken')
  await a.settle(LIMITS, [{ delivery: taken, outcome: 'ok', status: 'complete' }])
  t.equal((await b.take(LIMITS, 1, { reclaim: false })).deliveries.length, 1)
  t.same(await consumers(), [['a', 0], ['b', 1]])
  await Promise.all([a.close(), b.close()])
  t.same(await consumers(), [['b', 1]], 'b holds an entry: dropping it would drop the entry')
})

test('consumers idle past the bound with nothing pending are dropped; one holding entries stays however idle', { skip }, async (t) => {
  const { queue, consumers, enqueue } = await setup(t)
  await enqueue(2)
  const [holder, idle, sweeper] = [await queue('holder'), await queue('idle'), await queue('sweeper')]
  t.equal((await holder.take(LIMITS, 1, { reclaim: false })).deliveries.length, 1)
  const [done] = (await idle.take(LIMITS, 1, { reclaim: false })).deliveries
  if (done === undefined) return t.fail('nothing taken')
  await idle.settle(LIMITS, [{ delivery: done, outcome: 'ok', status: 'complete' }])
  await sleep(150)
  t.equal(await sweeper.dropIdleConsumers('v', 100), 1)
  t.same(await consumers(), [['holder', 1]])
  t.equal(await sweeper.dropIdleConsumers('w', 100), 0, 'a vendor without a group has nobody to drop')
})

test('an app in Redis mode leaves every vendor\'s group when it closes', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const redis = redisClient(t, url)
  const keys = redisKeys(prefix)
  const mocks = await startMocks(t)
  const app = await buildTestApp(t, testConfig({ REDIS_URL: url, REDIS_PREFIX: prefix }, mocks.vendors))
  const names = async (vendor: string) => (await redis.xinfo('CONSUMERS', keys.vendor(vendor).queue, keys.group) as string[][]).map((row) => row[1])
  for (const vendor of ['syncVendor', 'asyncVendor']) await app.inject({ method: 'POST', url: '/jobs', payload: { vendor } })
  await waitFor(async () => (await names('syncVendor')).length + (await names('asyncVendor')).length === 2 || undefined, 5_000, 'the worker to read')
  await app.close()
  t.same([await names('syncVendor'), await names('asyncVendor')], [[], []])
})
