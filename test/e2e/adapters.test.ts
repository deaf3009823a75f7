
import t, { test } from 'tap'
import { DIALECT_JOBS, DIALECTS, dialectJob, ended } from '../dialects.js'
import { redisClient, skipWithoutRedis } from '../redis-server.js'
import { allEnded, postMany, startStack } from './stack.js'

const skip = skipWithoutRedis(t)

test('every dialect completes its jobs in Redis mode: an API without a worker, two standalone workers and the mock process', { skip }, async (t) => {
  const stack = await startStack(t, { dialects: {} })
  const redis = redisClient(t, stack.redis.url)
  await Promise.all([stack.startWorker(), stack.startWorker()])
  const ids = await postMany(stack, DIALECT_JOBS.length * 4, (i) => {
    const { vendor, body } = dialectJob(i)
    return { vendor, ...body }
  })
  const statuses = await allEnded(stack, redis, ids, 20_000, DIALECTS)
  t.same(statuses, ids.map(() => 'complete'))
  for (const [i, id] of ids.entries()) {
    const { vendor, result, attempts = 1 } = dialectJob(i)
    t.match(await ended(stack.base, id), { status: 'complete', vendor, attempts, result }, vendor)
  }
  t.ok(stack.workers.every((w) => w.kept.length > 0), 'both workers took a share')
})

test("callbacks naming the vendor's own id that arrive before the acceptance is recorded complete their jobs in Redis mode too", { skip }, async (t) => {
  const stack = await startStack(t, { dialects: { enrichVendor: {}, enrichHmacVendor: {} }, mockEnv: { MOCK_WEBHOOK_EARLY_RATE: '1' } })
  const redis = redisClient(t, stack.redis.url)
  await Promise.all([stack.startWorker(), stack.startWorker()])
  const vendors = ['enrichVendor', 'enrichHmacVendor'] as const
  const ids = await postMany(stack, 20, (i) => ({ vendor: vendors[i % 2], n: i }))
  t.same(await allEnded(stack, redis, ids, 15_000, [...vendors]), ids.map(() => 'complete'))
  for (const vendor of vendors) {
    const seen = await stack.vendorStats(stack.dialects[vendor])
    t.match(seen, { webhooksSent: 10, webhooksRejected: 0 }, `${vendor}'s early callbacks were all taken`)
  }
})
