
import t, { test } from 'tap'
import { waitFor } from '../helper.js'
import { mongoFor, mongoUrlOf, skipWithoutMongo } from '../mongo-server.js'
import { redisClient, skipWithoutRedis } from '../redis-server.js'
import { postMany, startStack } from './stack.js'

// Full mode needs MongoDB, which these machines cannot run: this runs where TEST_MONGO_URL (or mongod) exists.
// The test flushes its Redis, so never TEST_REDIS_URL's, which others may share.
const skip = skipWithoutMongo() || skipWithoutRedis(t, { stoppable: true })

test('full mode: Redis flushed under a running stack loses no acknowledged job: the backlog and the calls on the wire complete, each called once, and a lost callback deadline still fails its job', { skip }, async (t) => {
  const { url, db } = await mongoFor(t)
  const stack = await startStack(t, {
    // A slow vendor keeps a backlog in Redis when the flush comes; calls end well within the grace.
    vendors: { syncVendor: { rateLimit: { perSecond: 10, burst: 2 }, timeoutMs: 1000 }, asyncVendor: { timeoutMs: 1000, callbackTimeoutMs: 4000 } },
    env: { MONGO_URL: mongoUrlOf(url, db.databaseName), RECONCILE_INTERVAL_MS: '500', RECONCILE_GRACE_MS: '2000', LEASE_MS: '2000' },
    mockEnv: { MOCK_WEBHOOK_DROP_RATE: '1', MOCK_LATENCY_MS: '50' }
  })
  await stack.startWorker()
  const [accepted] = await postMany(stack, 1, () => ({ vendor: 'asyncVendor' }))
  if (accepted === undefined) return t.fail('not posted')
  await waitFor(async () => (await stack.statuses([accepted]))[0] === 'processing' || undefined, 10_000, 'the async job to be accepted')
  const ids = await postMany(stack, 40, (i) => ({ vendor: 'syncVendor', userId: i }))

  const redis = redisClient(t, stack.redis.url)
  await redis.flushall()

  await waitFor(async () => {
    const statuses = await stack.statuses(ids)
    return statuses.every((s) => s === 'complete') || undefined
  }, 60_000, 'every job acknowledged before the flush to complete')
  const vendor = await stack.vendorStats(stack.syncVendor)
  t.same([vendor.distinctRequests, vendor.maxCallsPerRequest], [40, 1], 'each called once')
  const failed = await waitFor(async () => {
    const res = await fetch(`${stack.base}/jobs/${accepted}`)
    const job = await res.json() as { status: string, error?: string }
    return job.status === 'failed' ? job : undefined
  }, 20_000, 'the async job to fail at its deadline')
  t.match(failed.error, /^callback timed out/)
})
