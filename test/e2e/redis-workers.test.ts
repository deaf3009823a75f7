import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import t, { test } from 'tap'
import { redisClient, skipWithoutRedis } from '../redis-server.js'
import { allEnded, countByStatus, postMany, startStack } from './stack.js'

const skip = skipWithoutRedis(t, { stoppable: true })

const client = (t: { teardown (fn: () => unknown): void }, url: string): Redis => {
  const redis = redisClient(t, url)
  return redis
}

test('jobs posted while no worker runs stay pending; two workers started later complete them all', { skip }, async (t) => {
  const stack = await startStack(t, { mockEnv: { MOCK_WEBHOOK_DELAY_MIN_MS: '50', MOCK_WEBHOOK_DELAY_MAX_MS: '200' } })
  const redis = client(t, stack.redis.url)
  const ids = await postMany(stack, 200, (i) => ({ vendor: i % 2 === 0 ? 'syncVendor' : 'asyncVendor', userId: i }))
  await sleep(500)
  t.same(await countByStatus(redis), { pending: 200, processing: 0, complete: 0, failed: 0 }, 'nobody consumes yet')
  await Promise.all([stack.startWorker(), stack.startWorker()])
  const statuses = await allEnded(stack, redis, ids, 60_000)
  t.equal(statuses.filter((s) => s === 'complete').length, 200)
  for (const vendor of [stack.syncVendor, stack.asyncVendor]) {
    const seen = await stack.vendorStats(vendor)
    t.same([seen.distinctRequests, seen.maxCallsPerRequest], [100, 1], 'the vendor received each of its jobs once')
  }
  // No share is asserted here: the worker that comes up first may end all 200 jobs before the other is up
  // on a busy machine. The tests whose workers are up before their work (adapters, dispatch) assert it.
})

test('a worker killed mid-run loses no job and completes none twice', { skip }, async (t) => {
  const JOBS = 1000
  const stack = await startStack(t, {
    vendors: { syncVendor: { rateLimit: { perSecond: 400, burst: 100 }, timeoutMs: 1000 }, asyncVendor: { timeoutMs: 1000 } },
    env: { LEASE_MS: '2000' },
    mockEnv: { MOCK_LATENCY_MS: '20' }
  })
  const redis = client(t, stack.redis.url)
  const [doomed] = await Promise.all([stack.startWorker(), stack.startWorker()])
  const ids = await postMany(stack, JOBS, (i) => ({ vendor: 'syncVendor', userId: i }))
  await waitUntilCompleted(redis, 250)
  t.equal(await doomed?.stop('SIGKILL'), null, 'SIGKILL, no goodbye')
  const before = (await countByStatus(redis)).complete ?? 0
  t.ok(before < JOBS, `killed with ${before} of ${JOBS} complete`)
  await stack.startWorker()

  const statuses = await allEnded(stack, redis, ids, 120_000)
  t.equal(statuses.filter((s) => s === 'complete').length, JOBS, 'every job complete, none lost')
  const vendor = await stack.vendorStats(stack.syncVendor)
  t.equal(vendor.distinctRequests, JOBS)
  t.ok(vendor.maxCallsPerRequest <= 2, `a job the dead worker held may be called once more, no more (max ${vendor.maxCallsPerRequest})`)
})

test("three workers together keep within a vendor's rate limit, seen from the vendor", { skip }, async (t) => {
  const JOBS = 300
  const stack = await startStack(t, { vendors: { syncVendor: { rateLimit: { perSecond: 20, burst: 5 } } } })
  const redis = client(t, stack.redis.url)
  await Promise.all([stack.startWorker(), stack.startWorker(), stack.startWorker()])
  const started = Date.now()
  const ids = await postMany(stack, JOBS, (i) => ({ vendor: 'syncVendor', userId: i }))
  const statuses = await allEnded(stack, redis, ids, 60_000)
  const elapsed = Date.now() - started
  t.equal(statuses.filter((s) => s === 'complete').length, JOBS)
  const vendor = await stack.vendorStats(stack.syncVendor)
  t.equal(vendor.received, JOBS)
  t.ok(vendor.maxPerSecond <= 25, `the busiest sliding second at the vendor held ${vendor.maxPerSecond} calls (limit 20 + burst 5)`)
  t.ok(elapsed >= ((JOBS - 25) / 20) * 1000, `${JOBS} calls at 20/s took ${elapsed} ms`)
  t.ok(stack.workers.every((w) => w.kept.length > 0), 'every worker took a share')
})

async function waitUntilCompleted (redis: Redis, n: number): Promise<void> {
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(20)) {
    if (((await countByStatus(redis)).complete ?? 0) >= n) return
  }
  throw new Error(`fewer than ${n} jobs completed in time`)
}
