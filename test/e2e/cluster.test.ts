import { request } from 'undici'
import t, { test } from 'tap'
import { waitFor } from '../helper.js'
import { skipWithoutRedisCluster } from '../redis-cluster.js'
import { allEnded, postMany, startStack } from './stack.js'

/** The deployed shape on a real three-master Redis Cluster: every vendor's keys in one slot, jobs spread over the nodes. */
const skip = skipWithoutRedisCluster(t)

test('on a Redis Cluster, three workers keep a vendor\'s rate, call each job once and complete every job', { skip }, async (t) => {
  const stack = await startStack(t, {
    cluster: true,
    vendors: { syncVendor: { rateLimit: { perSecond: 20, burst: 5 } } },
    mockEnv: { MOCK_WEBHOOK_DELAY_MIN_MS: '20', MOCK_WEBHOOK_DELAY_MAX_MS: '100' }
  })
  const redis = stack.connect()
  await Promise.all([stack.startWorker(), stack.startWorker(), stack.startWorker()])
  const ids = await postMany(stack, 200, (i) => ({ vendor: i % 4 === 0 ? 'asyncVendor' : 'syncVendor', userId: i }))
  const statuses = await allEnded(stack, redis, ids, 60_000)
  t.same(statuses, ids.map(() => 'complete'))
  const sync = await stack.vendorStats(stack.syncVendor)
  t.same([sync.received, sync.maxCallsPerRequest], [150, 1], 'each sync job called once')
  t.ok(sync.maxPerSecond <= 25, `the busiest sliding second at the vendor held ${sync.maxPerSecond} calls (a bucket of 5 refilled at 20/s allows 25)`)
  const async = await stack.vendorStats(stack.asyncVendor)
  t.same([async.received, async.maxCallsPerRequest], [50, 1], 'each async job called once')
})

test('on a Redis Cluster, the jobs of a worker killed mid-run are taken over once their lease expires, none lost', { skip }, async (t) => {
  const JOBS = 400
  const stack = await startStack(t, {
    cluster: true,
    vendors: { syncVendor: { rateLimit: { perSecond: 300, burst: 50 } } },
    env: { LEASE_MS: '2000' },
    mockEnv: { MOCK_LATENCY_MS: '50' }
  })
  const redis = stack.connect()
  const [doomed] = await Promise.all([stack.startWorker(), stack.startWorker()])
  const ids = await postMany(stack, JOBS, (i) => ({ vendor: 'syncVendor', userId: i }))
  await waitFor(async () => (doomed?.kept.length ?? 0) >= 50 || undefined, 30_000, 'the doomed worker to complete some jobs')
  t.equal(await doomed?.stop('SIGKILL'), null, 'SIGKILL, no goodbye')
  const statuses = await allEnded(stack, redis, ids, 60_000)
  t.equal(statuses.filter((s) => s === 'complete').length, JOBS, 'every job complete')
  const vendor = await stack.vendorStats(stack.syncVendor)
  t.equal(vendor.distinctRequests, JOBS)
  t.ok(vendor.maxCallsPerRequest <= 2, `only a call on the wire when the worker died may be repeated (most calls of one job: ${vendor.maxCallsPerRequest})`)
})

test('a Redis Cluster restarted from its append-only files loses no acknowledged job', { skip }, async (t) => {
  const stack = await startStack(t, {
    cluster: true,
    appendonly: true,
    vendors: { syncVendor: { timeoutMs: 1000 } },
    env: { LEASE_MS: '2000' },
    mockEnv: { MOCK_LATENCY_MS: '20' }
  })
  await stack.startWorker()
  const ids = await postMany(stack, 100, (i) => ({ vendor: 'syncVendor', userId: i }))
  await stack.redis.stop()
  const refused = await request(`${stack.base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"vendor":"syncVendor"}' })
  t.equal(refused.statusCode, 503, 'no 202 for a job that cannot be stored')
  await refused.body.dump()
  await stack.redis.start()
  await waitFor(async () => {
    const res = await request(`${stack.base}/health`)
    await res.body.dump()
    return res.statusCode === 200 || undefined
  }, 20_000, 'the API to recover')
  const statuses = await allEnded(stack, stack.connect(), ids, 60_000)
  t.equal(statuses.filter((s) => s === 'complete').length, 100, 'every job acknowledged before the restart completes')
  t.equal((await stack.post({ vendor: 'syncVendor' })).status, 202, 'and new jobs are taken again')
})
