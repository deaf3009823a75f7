import type { Redis } from 'ioredis'
import t, { test } from 'tap'
import { request } from 'undici'
import { redisKeys } from '../../core/backends/redis/keys.js'
import { waitFor } from '../helper.js'
import { redisClient, skipWithoutRedis } from '../redis-server.js'
import { allEnded, countByStatus, postMany, type Stack, startStack } from './stack.js'

const skip = skipWithoutRedis(t, { stoppable: true })
const FAST = { perSecond: 5000, burst: 1000 }

const client = (t: { teardown (fn: () => unknown): void }, url: string): Redis => {
  const redis = redisClient(t, url)
  return redis
}

async function jobs (stack: Stack, ids: string[]): Promise<Array<{ status: string, attempts: number, error?: string, created_at: string, updated_at: string }>> {
  return Promise.all(ids.map(async (id) => (await request(`${stack.base}/jobs/${id}`)).body.json() as never))
}

async function setFaults (url: string, faults: Record<string, number>): Promise<void> {
  const res = await request(`${url}/admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) })
  if (res.statusCode !== 200) throw new Error(`faults refused: ${await res.body.text()}`)
  await res.body.dump()
}

test('2,000 jobs against a vendor failing 30% with 5xx and hanging 5% past the timeout all end, none called more than 5 times', { skip }, async (t) => {
  const JOBS = 2000
  const stack = await startStack(t, {
    vendors: {
      syncVendor: { timeoutMs: 300, concurrency: 100, rateLimit: FAST, retry: { attempts: 5, baseDelayMs: 20, maxDelayMs: 200 } },
      asyncVendor: { timeoutMs: 300 }
    },
    env: { LEASE_MS: '2000' },
    mockEnv: { MOCK_FAIL_RATE: '0.3', MOCK_HANG_RATE: '0.05' }
  })
  const redis = client(t, stack.redis.url)
  await Promise.all([stack.startWorker(), stack.startWorker()])
  const ids = await postMany(stack, JOBS, (i) => ({ vendor: 'syncVendor', userId: i }))
  const statuses = await allEnded(stack, redis, ids, 120_000)
  const complete = statuses.filter((s) => s === 'complete').length
  const failed = statuses.filter((s) => s === 'failed').length
  t.equal(complete + failed, JOBS, `every job ended: ${complete} complete, ${failed} failed`)
  t.match(await countByStatus(redis), { pending: 0, processing: 0 }, 'nothing left pending or processing')
  const vendor = await stack.vendorStats(stack.syncVendor)
  t.ok(vendor.maxCallsPerRequest <= 5, `no job called more than 5 times (most: ${vendor.maxCallsPerRequest})`)
  for (const job of (await jobs(stack, ids)).filter((j) => j.status === 'failed')) {
    t.equal(job.attempts, 5)
    t.match(job.error, /^syncVendor (answered 500|call failed \(timed out\)).*\(after 5 attempts\)$/)
  }
})

test('a vendor answering 429 with Retry-After: 2 sees no retry of that job within 2 s', { skip }, async (t) => {
  const stack = await startStack(t, {
    vendors: { syncVendor: { rateLimit: FAST, retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 }, breaker: { minCalls: 1000 } } },
    mockEnv: { MOCK_429_RATE: '1', MOCK_RETRY_AFTER_S: '2' }
  })
  const redis = client(t, stack.redis.url)
  await stack.startWorker()
  const ids = await postMany(stack, 5, (i) => ({ vendor: 'syncVendor', userId: i }))
  await allEnded(stack, redis, ids, 30_000)
  for (const id of ids) {
    const { calls, times } = await (await request(`${stack.syncVendor}/admin/stats?request_id=${id}`)).body.json() as { calls: number, times: number[] }
    t.equal(calls, 2)
    t.ok((times[1] ?? 0) - (times[0] ?? 0) >= 2000, `retried after ${(times[1] ?? 0) - (times[0] ?? 0)} ms`)
  }
  t.match((await jobs(stack, ids))[0], { status: 'failed', attempts: 2, error: /answered 429/ })
})

test('an open breaker lets through only its probes, and once the vendor recovers the waiting jobs complete with attempts unspent', { skip }, async (t) => {
  const JOBS = 40
  const stack = await startStack(t, {
    vendors: {
      syncVendor: {
        rateLimit: FAST,
        concurrency: 5,
        retry: { attempts: 10, baseDelayMs: 50, maxDelayMs: 200 },
        breaker: { minCalls: 5, failureRatio: 0.5, windowMs: 10_000, halfOpenAfterMs: 1000, probes: 1 }
      }
    },
    mockEnv: { MOCK_FAIL_RATE: '1' }
  })
  const redis = client(t, stack.redis.url)
  await stack.startWorker()
  const ids = await postMany(stack, JOBS, (i) => ({ vendor: 'syncVendor', userId: i }))
  const state = redisKeys().vendor('syncVendor').state
  await waitFor(async () => (await redis.hexists(state, 'openUntil')) === 1 || undefined, 10_000, 'the breaker to open')
  await new Promise((resolve) => setTimeout(resolve, 500))
  const before = (await stack.vendorStats(stack.syncVendor)).received
  await new Promise((resolve) => setTimeout(resolve, 3500))
  const during = (await stack.vendorStats(stack.syncVendor)).received - before
  t.ok(during <= 4, `${during} calls in 3.5 s while open: one probe per 1 s half-open interval`)
  t.ok(during >= 2, 'and the probes do go out')

  await setFaults(stack.syncVendor, { failRate: 0 })
  const statuses = await allEnded(stack, redis, ids, 30_000)
  t.equal(statuses.filter((s) => s === 'complete').length, JOBS, 'every waiting job completes')
  const all = await jobs(stack, ids)
  const vendor = await stack.vendorStats(stack.syncVendor)
  t.equal(all.reduce((sum, j) => sum + j.attempts, 0), vendor.received, 'an attempt is spent only by a call the vendor received')
  t.ok(all.filter((j) => j.attempts === 1).length > JOBS / 2, 'most jobs waited out the breaker with their first attempt unspent')
})

test('async callbacks: never sent fails at the deadline, sent twice applies once, sent early completes, sent late is refused and the job stays failed', { skip }, async (t) => {
  const stack = await startStack(t, {
    vendors: { asyncVendor: { rateLimit: FAST, callbackTimeoutMs: 800 } },
    env: { SWEEP_INTERVAL_MS: '100' },
    mockEnv: { MOCK_WEBHOOK_DROP_RATE: '1' }
  })
  const redis = client(t, stack.redis.url)
  await stack.startWorker()
  const never = await postMany(stack, 10, (i) => ({ vendor: 'asyncVendor', userId: i }))
  await allEnded(stack, redis, never, 20_000)
  for (const job of await jobs(stack, never)) {
    t.match(job, { status: 'failed', error: /^callback timed out: asyncVendor did not call back in time/ })
    t.ok(Date.parse(job.updated_at) - Date.parse(job.created_at) >= 800, 'not before the deadline')
  }

  await setFaults(stack.asyncVendor, { webhookDropRate: 0, webhookDuplicateRate: 1, webhookDelayMinMs: 20, webhookDelayMaxMs: 50 })
  const twice = await postMany(stack, 10, (i) => ({ vendor: 'asyncVendor', userId: i }))
  await allEnded(stack, redis, [...never, ...twice], 20_000)
  for (const job of await jobs(stack, twice)) t.match(job, { status: 'complete', attempts: 1 }, 'complete, called once, although called back twice')
  await waitFor(async () => (await stack.vendorStats(stack.asyncVendor) as { webhooksSent?: number }).webhooksSent === 20 || undefined, 5000, 'both copies delivered')

  await setFaults(stack.asyncVendor, { webhookDuplicateRate: 0, webhookEarlyRate: 1 })
  const early = await postMany(stack, 10, (i) => ({ vendor: 'asyncVendor', userId: i }))
  await allEnded(stack, redis, [...never, ...twice, ...early], 20_000)
  t.ok((await jobs(stack, early)).every((j) => j.status === 'complete' && j.attempts === 1), 'called back before the acceptance was recorded, each completes')

  await setFaults(stack.asyncVendor, { webhookEarlyRate: 0, webhookDelayMinMs: 1500, webhookDelayMaxMs: 1600 })
  const late = await postMany(stack, 5, (i) => ({ vendor: 'asyncVendor', userId: i }))
  await allEnded(stack, redis, [...never, ...twice, ...early, ...late], 20_000)
  await waitFor(async () => (await stack.vendorStats(stack.asyncVendor) as { webhooksRejected?: number }).webhooksRejected === 5 || undefined, 5000, 'the late callbacks to be refused (409)')
  t.ok((await jobs(stack, late)).every((j) => j.status === 'failed'), 'and the jobs stay failed')
})

test("with one worker's sweeper killed, another's still fails expired jobs, and no job within its deadline fails", { skip }, async (t) => {
  const stack = await startStack(t, {
    vendors: { asyncVendor: { rateLimit: FAST, callbackTimeoutMs: 1500, timeoutMs: 1000 }, syncVendor: { timeoutMs: 1000 } },
    env: { SWEEP_INTERVAL_MS: '100', LEASE_MS: '2000' },
    mockEnv: { MOCK_WEBHOOK_DROP_RATE: '1' }
  })
  const redis = client(t, stack.redis.url)
  const [doomed] = await Promise.all([stack.startWorker(), stack.startWorker()])
  const dropped = await postMany(stack, 20, (i) => ({ vendor: 'asyncVendor', userId: i }))
  // Killed once every acceptance is recorded, so that the dead worker's share waits on the sweepers.
  await waitFor(async () => (await redis.zcard(redisKeys().vendor('asyncVendor').deadlines)) === 20 || undefined, 10_000, 'all accepted')
  await doomed?.stop('SIGKILL')
  await setFaults(stack.asyncVendor, { webhookDropRate: 0, webhookDelayMinMs: 500, webhookDelayMaxMs: 1000 })
  const answered = await postMany(stack, 20, (i) => ({ vendor: 'asyncVendor', userId: i }))
  await allEnded(stack, redis, [...dropped, ...answered], 20_000)
  t.ok((await jobs(stack, dropped)).every((j) => j.status === 'failed' && /callback timed out/.test(j.error ?? '')), 'expired jobs failed')
  t.ok((await jobs(stack, answered)).every((j) => j.status === 'complete'), 'jobs called back within their deadline completed')
})

test('a vendor answering garbage fails its jobs with a readable error, and the worker goes on', { skip }, async (t) => {
  const stack = await startStack(t, {
    vendors: { syncVendor: { rateLimit: FAST, retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 } } },
    mockEnv: { MOCK_MALFORMED_RATE: '1' }
  })
  const redis = client(t, stack.redis.url)
  const worker = await stack.startWorker()
  const garbage = await postMany(stack, 9, (i) => ({ vendor: 'syncVendor', userId: i }))
  await allEnded(stack, redis, garbage, 20_000)
  for (const job of await jobs(stack, garbage)) {
    t.match(job, { status: 'failed', error: /^syncVendor answered 200 with (a body that is not JSON|JSON that is not an object): .* \(after 2 attempts\)$/ })
  }
  await setFaults(stack.syncVendor, { malformedRate: 0 })
  const healthy = await postMany(stack, 5, (i) => ({ vendor: 'syncVendor', userId: i }))
  await allEnded(stack, redis, [...garbage, ...healthy], 20_000)
  t.equal(worker.child.exitCode, null, 'the worker is still running')
  t.ok((await jobs(stack, healthy)).every((j) => j.status === 'complete'))
})
