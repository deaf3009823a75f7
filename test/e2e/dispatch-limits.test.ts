import t, { test } from 'tap'
import { waitFor } from '../helper.js'
import { skipWithoutRedis } from '../redis-server.js'
import { allEnded, job, postMany, setFaults, startStack, windowStats } from './stack.js'

const skip = skipWithoutRedis(t, { stoppable: true })
const FAST = { perSecond: 5000, burst: 1000 }

test('after a 429 with Retry-After no call reaches the vendor from any worker until then', { skip }, async (t) => {
  const stack = await startStack(t, {
    vendors: { syncVendor: { rateLimit: FAST, concurrency: 1, retry: { attempts: 10, baseDelayMs: 10, maxDelayMs: 50 } } },
    mockEnv: { MOCK_429_RATE: '1', MOCK_RETRY_AFTER_S: '2' }
  })
  const redis = stack.connect()
  await Promise.all([stack.startWorker(), stack.startWorker(), stack.startWorker()])
  const ids = await postMany(stack, 10, (i) => ({ vendor: 'syncVendor', userId: i }))
  await waitFor(async () => (await stack.vendorStats(stack.syncVendor)).received >= 3 || undefined, 15_000, 'three throttled calls')
  // Every call that arrived before the switch was answered 429.
  const switched = Date.now()
  await setFaults(stack.syncVendor, { rate429: 0 })
  await allEnded(stack, redis, ids, 30_000)
  const arrivals = await stack.arrivals(stack.syncVendor, ids)
  const throttled = arrivals.filter((at) => at < switched)
  const gaps = throttled.slice(1).map((at, i) => at - (throttled[i] ?? 0))
  t.ok(gaps.length >= 2, `${throttled.length} calls answered 429`)
  t.ok(gaps.every((gap) => gap >= 2000), `each next call came at least 2 s after a 429 (gaps ${gaps.join(', ')} ms)`)
  t.same(await Promise.all(ids.map(async (id) => (await job(stack, id)).status)), ids.map(() => 'complete'))
})

test('three workers together never hold more calls open at the vendor than its concurrency', { skip }, async (t) => {
  const stack = await startStack(t, {
    vendors: { syncVendor: { rateLimit: FAST, concurrency: 4 } },
    mockEnv: { MOCK_LATENCY_MS: '400' }
  })
  const redis = stack.connect()
  await Promise.all([stack.startWorker(), stack.startWorker(), stack.startWorker()])
  const ids = await postMany(stack, 40, (i) => ({ vendor: 'syncVendor', userId: i }))
  t.same(await allEnded(stack, redis, ids, 30_000), ids.map(() => 'complete'))
  const vendor = await windowStats(stack.syncVendor, 1000)
  t.equal(vendor.maxOpen, 4, `at most 4 calls open at once at the vendor (saw ${vendor.maxOpen}), and the 4 were used`)
  t.equal(vendor.open, 0)
  t.ok(stack.workers.filter((w) => w.kept.length > 0).length >= 2, 'the slots were shared by the workers')
})

test('a quota over a window of seconds holds in every sliding window at the vendor', { skip }, async (t) => {
  const stack = await startStack(t, {
    vendors: { syncVendor: { rateLimit: FAST, quotas: [{ limit: 5, window: '3s' }] } }
  })
  const redis = stack.connect()
  await Promise.all([stack.startWorker(), stack.startWorker()])
  const started = Date.now()
  const ids = await postMany(stack, 20, (i) => ({ vendor: 'syncVendor', userId: i }))
  t.same(await allEnded(stack, redis, ids, 40_000), ids.map(() => 'complete'))
  const elapsed = Date.now() - started
  const vendor = await windowStats(stack.syncVendor, 3000)
  t.equal(vendor.received, 20)
  t.ok(vendor.maxInWindow <= 5, `the busiest 3-second window at the vendor held ${vendor.maxInWindow} calls (quota 5)`)
  t.ok(elapsed >= 9000, `20 calls at 5 per 3 s took ${elapsed} ms`)
})
