import { setTimeout as sleep } from 'node:timers/promises'
import t, { test } from 'tap'
import { waitFor } from '../helper.js'
import { skipWithoutRedis } from '../redis-server.js'
import { allEnded, job, postMany, startStack } from './stack.js'

const skip = skipWithoutRedis(t, { stoppable: true })
const FAST = { perSecond: 5000, burst: 1000 }

test("a deep backlog on a slow vendor does not delay another vendor's jobs", { skip }, async (t) => {
  const stack = await startStack(t, {
    vendors: ({ sync }) => ({ slowVendor: { mode: 'sync', url: sync, rateLimit: { perSecond: 1, burst: 1 } }, syncVendor: { rateLimit: FAST } })
  })
  await Promise.all([stack.startWorker(), stack.startWorker()])
  await postMany(stack, 300, (i) => ({ vendor: 'slowVendor', userId: i }))
  const waits: number[] = []
  for (let i = 0; i < 15; i++) {
    const posted = Date.now()
    const { id } = await stack.post({ vendor: 'syncVendor', userId: i })
    if (id === undefined) return t.fail('not accepted')
    await waitFor(async () => (await job(stack, id)).status === 'complete' || undefined, 10_000, `fast job ${i}`)
    waits.push(Date.now() - posted)
    await sleep(100)
  }
  t.ok(Math.max(...waits) < 2000, `each fast job completed within 2 s of its POST (slowest ${Math.max(...waits)} ms, all: ${waits.join(', ')})`)
})

test('a call longer than the lease is never given to a second worker', { skip }, async (t) => {
  const stack = await startStack(t, {
    vendors: { syncVendor: { rateLimit: FAST, timeoutMs: 10_000 } },
    env: { LEASE_MS: '1000' },
    mockEnv: { MOCK_LATENCY_MS: '3000' }
  })
  const redis = stack.connect()
  await Promise.all([stack.startWorker(), stack.startWorker(), stack.startWorker()])
  const ids = await postMany(stack, 10, (i) => ({ vendor: 'syncVendor', userId: i }))
  const statuses = await allEnded(stack, redis, ids, 30_000)
  t.same(statuses, ids.map(() => 'complete'))
  const vendor = await stack.vendorStats(stack.syncVendor)
  t.same([vendor.received, vendor.maxCallsPerRequest], [10, 1], 'three-second calls under a one-second lease, each made once')
})

test('SIGTERM to one of three workers mid-run: it exits within its grace, every job completes soon after, none is called twice', { skip }, async (t) => {
  const JOBS = 300
  const stack = await startStack(t, {
    vendors: { syncVendor: { rateLimit: { perSecond: 60, burst: 10 } } },
    env: { SHUTDOWN_GRACE_MS: '3000' },
    mockEnv: { MOCK_LATENCY_MS: '200' }
  })
  const redis = stack.connect()
  const [doomed] = await Promise.all([stack.startWorker(), stack.startWorker(), stack.startWorker()])
  if (doomed === undefined) return
  const ids = await postMany(stack, JOBS, (i) => ({ vendor: 'syncVendor', userId: i }))
  await waitFor(async () => doomed.kept.length >= 20 || undefined, 20_000, 'the doomed worker to complete some jobs')
  const stopping = Date.now()
  const code = await doomed.stop('SIGTERM')
  const stoppedIn = Date.now() - stopping
  t.equal(code, 0, 'a clean exit')
  t.ok(stoppedIn < 3000 + 1500, `exited ${stoppedIn} ms after SIGTERM (grace 3000 ms)`)
  const statuses = await allEnded(stack, redis, ids, 30_000)
  t.equal(statuses.filter((s) => s === 'complete').length, JOBS, 'every job complete')
  const vendor = await stack.vendorStats(stack.syncVendor)
  t.same([vendor.distinctRequests, vendor.maxCallsPerRequest], [JOBS, 1], 'each job called once')
})

test('SIGTERM with calls longer than the grace: the worker aborts them at the grace, hands their jobs back, and another worker completes them', { skip }, async (t) => {
  const stack = await startStack(t, {
    vendors: { syncVendor: { rateLimit: FAST, timeoutMs: 10_000 } },
    env: { SHUTDOWN_GRACE_MS: '500' },
    mockEnv: { MOCK_LATENCY_MS: '2000' }
  })
  const redis = stack.connect()
  const doomed = await stack.startWorker()
  const ids = await postMany(stack, 5, (i) => ({ vendor: 'syncVendor', userId: i }))
  await waitFor(async () => (await stack.vendorStats(stack.syncVendor)).received === 5 || undefined, 10_000, 'all five calls on the wire')
  const stopping = Date.now()
  t.equal(await doomed.stop('SIGTERM'), 0, 'a clean exit')
  const stoppedIn = Date.now() - stopping
  t.ok(stoppedIn < 2000, `exited ${stoppedIn} ms after SIGTERM, before its 2-second calls could end`)
  await stack.startWorker()
  t.same(await allEnded(stack, redis, ids, 20_000), ids.map(() => 'complete'), 'handed back and completed by the other worker')
  const vendor = await stack.vendorStats(stack.syncVendor)
  t.same([vendor.distinctRequests, vendor.maxCallsPerRequest], [5, 2], 'each job called once more: the aborted call, then the one that completed it')
  for (const id of ids) t.match(await job(stack, id), { status: 'complete', attempts: 2 })
})

test('a job\'s status never moves backwards through retries, a 429 pause and an open breaker', { skip }, async (t) => {
  const stack = await startStack(t, {
    vendors: {
      syncVendor: {
        rateLimit: { perSecond: 40, burst: 5 },
        retry: { attempts: 8, baseDelayMs: 100, maxDelayMs: 400 },
        breaker: { minCalls: 6, failureRatio: 0.5, windowMs: 5000, halfOpenAfterMs: 500, probes: 2 }
      }
    },
    mockEnv: { MOCK_FAIL_RATE: '0.5', MOCK_429_RATE: '0.1', MOCK_RETRY_AFTER_S: '1' }
  })
  await Promise.all([stack.startWorker(), stack.startWorker()])
  const ids = await postMany(stack, 30, (i) => ({ vendor: 'syncVendor', userId: i }))
  const seen = new Map<string, string[]>(ids.map((id) => [id, []]))
  const ORDER = ['pending', 'processing', 'complete', 'failed']
  await waitFor(async () => {
    const now = await Promise.all(ids.map(async (id) => (await job(stack, id)).status))
    now.forEach((status, i) => {
      const history = seen.get(ids[i] as string) as string[]
      if (history.at(-1) !== status) history.push(status)
    })
    return now.every((s) => s === 'complete' || s === 'failed') || undefined
  }, 60_000, 'every job to end')
  const backwards = [...seen].filter(([, h]) => h.some((s, i) => i > 0 && ORDER.indexOf(s) < ORDER.indexOf(h[i - 1] as string)))
  t.same(backwards, [], 'no job went back to an earlier status')
  t.ok([...seen.values()].some((h) => h.includes('processing')), 'jobs were seen processing while they retried')
})
