import Fastify from 'fastify'
import t, { test } from 'tap'
import { redisKeys } from '../../../core/backends/redis/keys.js'
import { buildTestApp, testConfig, waitFor } from '../../helper.js'
import { redisClient, redisFor, skipWithoutRedis } from '../../redis-server.js'

const skip = skipWithoutRedis(t)

test('a renewal that finds its delivery taken over stops the call, records and queues nothing, releases only its own slot, and is counted', { skip }, async (t) => {
  // A vendor that holds every call open, noting whether the caller gave up on it.
  let arrived = 0
  let dropped = 0
  const vendor = Fastify()
  vendor.post('/', async (req, reply) => {
    arrived++
    req.raw.socket.once('close', () => { if (!reply.sent) dropped++ })
    await new Promise((resolve) => setTimeout(resolve, 5_000))
    return { late: true }
  })
  t.teardown(() => vendor.close())
  const url = await vendor.listen({ port: 0, host: '127.0.0.1' })
  const { url: redisUrl, prefix } = await redisFor(t)
  const redis = redisClient(t, redisUrl)
  const app = await buildTestApp(t, testConfig({ REDIS_URL: redisUrl, REDIS_PREFIX: prefix, LEASE_MS: '600' }, { syncVendor: { url, timeoutMs: 10_000 } }))
  const k = redisKeys(prefix).vendor('syncVendor')
  const { request_id: id } = (await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor' } })).json()
  await waitFor(async () => arrived === 1 || undefined, 5_000, 'the call to arrive')
  const [entry, consumer] = (await redis.xpending(k.queue, 'workers', '-', '+', 10) as Array<[string, string]>)[0] ?? []
  const before = await app.backend.store.get(id)
  t.equal(before?.holder, `${entry}#1`)

  // Another worker takes the delivery over, as it would once the lease ran out.
  await redis.xclaim(k.queue, 'workers', 'another-worker', 0, String(entry))
  await waitFor(async () => dropped === 1 || undefined, 3_000, 'the call to be stopped')
  t.not(consumer, 'another-worker')
  await waitFor(async () => (await redis.zrange(k.inflight, 0, -1)).length === 0 || undefined, 3_000, 'the stopped call to release its slot')
  t.same(await app.backend.store.get(id), before, 'the job as the other delivery found it: no lastError, no retry time')
  t.same(await redis.zrange(k.delayed, 0, -1), [], 'no retry queued')
  t.match(await redis.xpending(k.queue, 'workers', '-', '+', 10), [[entry, 'another-worker', Number, 2]], 'the entry still the other worker\'s')
  t.match((await app.inject({ method: 'GET', url: '/metrics' })).body, /vfs_leases_lost_total\{vendor="syncVendor"\} 1/)
  t.equal(arrived, 1, 'called once')
})

test('a vendor whose take found this process full is served once any call ends, not only one of its own', async (t) => {
  const { createMemoryQueue } = await import('../../../core/backends/memory/queue.js')
  const { startDispatcher } = await import('../../../core/dispatch/dispatcher.js')
  const { LIMITS } = await import('./queue-contract.js')
  const queue = createMemoryQueue({ leaseMs: 30_000, marginMs: 0 })
  const ran: string[] = []
  const silent = { info () {}, warn () {}, error () {}, debug () {}, child () { return silent } }
  // `busy`'s calls take a while and fill the process; `quick` is queued only once they do.
  await queue.enqueue('busy', Array.from({ length: 6 }, (_, i) => ({ id: `b${i}`, createdAt: Date.now(), team: 'default' })))
  const dispatcher = startDispatcher({
    queue,
    vendors: [{ ...LIMITS, name: 'busy' }, { ...LIMITS, name: 'quick' }],
    leaseMs: 30_000,
    maxInFlight: 2,
    log: silent as never,
    async run (d) {
      ran.push(d.jobId)
      if (d.vendor === 'busy') await new Promise((resolve) => setTimeout(resolve, 100))
      return { delivery: d, outcome: 'ok', status: 'complete' }
    }
  })
  t.teardown(() => dispatcher.stop(0))
  await waitFor(async () => ran.length >= 2 || undefined, 2_000, 'the process to fill')
  await new Promise((resolve) => setTimeout(resolve, 20))
  await queue.enqueue('quick', [{ id: 'q0', createdAt: Date.now(), team: 'default' }])
  await waitFor(async () => ran.includes('q0') || undefined, 3_000, 'the quick vendor\'s job to run')
  t.equal(ran.filter((id) => id === 'q0').length, 1, `called once, after ${ran.indexOf('q0')} calls of the busy vendor`)
})
