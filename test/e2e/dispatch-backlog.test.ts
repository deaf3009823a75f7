import t, { test } from 'tap'
import { skipWithoutRedis } from '../redis-server.js'
import { allEnded, postMany,  startStack } from './stack.js'

const skip = skipWithoutRedis(t, { stoppable: true })

test('a 1/s vendor with a backlog of minutes and three workers: each job called once, none failed, the rate held in every sliding second', { skip }, async (t) => {
  const JOBS = 75
  const stack = await startStack(t, {
    vendors: ({ sync }) => ({ slowVendor: { mode: 'sync', url: sync, rateLimit: { perSecond: 1, burst: 1 } } })
  })
  const redis = stack.connect()
  await Promise.all([stack.startWorker(), stack.startWorker(), stack.startWorker()])
  const ids = await postMany(stack, JOBS, (i) => ({ vendor: 'slowVendor', userId: i }))
  const statuses = await allEnded(stack, redis, ids, 150_000, ['slowVendor'])
  t.equal(statuses.filter((s) => s === 'complete').length, JOBS, 'every job complete, none failed')
  const vendor = await stack.vendorStats(stack.syncVendor)
  t.equal(vendor.distinctRequests, JOBS)
  t.equal(vendor.maxCallsPerRequest, 1, 'no job called twice')
  t.equal(vendor.received, JOBS)
  t.equal(vendor.maxPerSecond, 1, 'never two calls within one sliding second at the vendor')
  t.ok(stack.workers.filter((w) => w.kept.length > 0).length >= 2, 'the workers shared the work')
})
