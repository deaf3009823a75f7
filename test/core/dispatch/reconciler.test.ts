import type { Log } from '../../../core/log.js'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import t, { test } from 'tap'
import { createMemoryQueue } from '../../../core/backends/memory/queue.js'
import { createMemoryStore } from '../../../core/backends/memory/store.js'
import { redisKeys } from '../../../core/backends/redis/keys.js'
import { createRedisQueue } from '../../../core/backends/redis/queue.js'
import type { Coverage, DispatchQueue, VendorLimits } from '../../../core/dispatch/queue.js'
import { createReconciler, repairOf, startReconciler } from '../../../core/dispatch/reconciler.js'
import { sweepOnce } from '../../../core/dispatch/sweeper.js'
import type { Job } from '../../../core/job.js'
import type { WaitingJobs } from '../../../core/store.js'
import { redisClient, redisFor, skipWithoutRedis } from '../../redis-server.js'
import { processBackend } from '../backends/redis/process-backend.js'

const skipRedis = skipWithoutRedis(t)
const NOW = Date.now()
const OLD = NOW - 10 * 60_000
const LIMITS: VendorLimits = {
  name: 'v',
  rateLimit: { perSecond: 1e6, burst: 1e6 },
  quotas: [],
  concurrency: 1000,
  breaker: { minCalls: 20, failureRatio: 0.5, windowMs: 10_000, halfOpenAfterMs: 5000, probes: 1 },
  maxWaitMs: 60 * 60_000
}

const job = (over: Partial<Job> = {}): Job => ({
  id: randomUUID(), vendor: 'v', team: 'default', status: 'pending', payload: {}, attempts: 0, createdAt: OLD, updatedAt: OLD, ...over
})
const quiet: Log = { debug () {}, info () {}, warn () {}, error () {}, child: () => quiet }
const none: Coverage = { entry: false, retry: false, poll: false, deadline: false }

test('the rule: an unfinished job that nothing covers is queued, a waiting one has its deadline watched, anything else is left alone', async (t) => {
  const cases: Array<[string, Job, Coverage, ReturnType<typeof repairOf>]> = [
    ['pending, nothing', job(), none, { action: 'enqueue' }],
    ['pending, an entry', job(), { ...none, entry: true }, { action: 'none' }],
    ['pending, an intent', job(), { ...none, retry: true }, { action: 'none' }],
    ['processing between retries, the retry lost', job({ status: 'processing', attempts: 1, nextAttemptAt: NOW + 5_000 }), none, { action: 'enqueue', at: NOW + 5_000 }],
    ['processing, a retry overdue and lost', job({ status: 'processing', attempts: 1, nextAttemptAt: NOW - 5_000 }), none, { action: 'enqueue' }],
    ['processing, a delayed retry', job({ status: 'processing', attempts: 1, nextAttemptAt: NOW + 5_000 }), { ...none, retry: true }, { action: 'none' }],
    ['held, its entry gone', job({ status: 'processing', attempts: 1, holder: '1-0#1' }), none, { action: 'enqueue', release: '1-0#1' }],
    ['held, its entry there', job({ status: 'processing', attempts: 1, holder: '1-0#1' }), { ...none, entry: true }, { action: 'none' }],
    ['waiting for a callback, deadline watched', job({ status: 'processing', waiting: 'callback', deadline: NOW + 1 }), { ...none, deadline: true }, { action: 'none' }],
    ['waiting for a callback, deadline lost', job({ status: 'processing', waiting: 'callback', deadline: NOW + 1 }), none, { action: 'watch', at: NOW + 1 }],
    ['waiting for a callback, no deadline at all', job({ status: 'processing', waiting: 'callback' }), none, { action: 'watch', at: NOW }],
    ['polling, deadline lost', job({ status: 'processing', waiting: 'poll', deadline: NOW + 9 }), { ...none, poll: true }, { action: 'watch', at: NOW + 9 }],
    ['complete', job({ status: 'complete', result: 1 }), none, { action: 'none' }],
    ['failed', job({ status: 'failed', error: 'no' }), none, { action: 'none' }]
  ]
  for (const [what, j, covered, repair] of cases) t.same(repairOf(j, covered, NOW), repair, what)
})

/** The memory store stands in for MongoDB: the issue allows the rules to be tested there where no MongoDB runs. */
function memory (opts: { batch?: number, waiting?: (store: ReturnType<typeof createMemoryStore>) => WaitingJobs } = {}) {
  const store = createMemoryStore()
  const queue = createMemoryQueue({ leaseMs: 30_000, marginMs: 0 })
  const reconciler = createReconciler({ store, waiting: opts.waiting?.(store) ?? store, queue, vendors: ['v'], graceMs: 60_000, batch: opts.batch ?? 100 })
  return { store, queue, reconciler }
}

const taken = async (queue: DispatchQueue) => (await queue.take(LIMITS, 1000, { reclaim: false })).deliveries.map((d) => d.jobId).sort()

test('jobs stored without a queue entry (the process died between the two writes) are queued once their grace is over, once', async (t) => {
  const { store, queue, reconciler } = memory()
  const [lost, alsoLost, queued, fresh] = [job(), job({ status: 'processing', attempts: 2, lastError: 'timed out' }), job(), job({ updatedAt: NOW - 1_000 })]
  for (const j of [lost, alsoLost, queued, fresh]) await store.create(j)
  await queue.enqueue('v', [queued])
  t.same(await reconciler.pass(NOW), { listed: 3, requeued: 2, watched: 0 })
  t.same(await reconciler.pass(NOW), { listed: 3, requeued: 0, watched: 0 }, 'a second pass finds them covered')
  t.same(await taken(queue), [lost.id, alsoLost.id, queued.id].sort(), 'each queued once; the one within its grace is left alone')
})

test('a coalesced job is left to its leader while that one is on its way, and queued once its leader ended without it', async (t) => {
  const { store, queue, reconciler } = memory()
  const leader = job({ status: 'processing', attempts: 1, waiting: 'callback', deadline: NOW + 60_000 })
  const follower = job({ leader: leader.id, source: 'coalesced' })
  for (const j of [leader, follower]) await store.create(j)
  await queue.watchDeadlines('v', [{ id: leader.id, at: NOW + 60_000 }])
  t.match(await reconciler.pass(NOW), { listed: 2, requeued: 0 }, 'no call of its own while its leader waits for a callback')
  await store.transition(leader.id, 'processing', { status: 'failed', error: 'no' })
  t.match(await reconciler.pass(NOW), { requeued: 1 })
  t.same(await taken(queue), [follower.id])
})

test('a job waiting for its callback whose deadline was lost is watched again, and the sweeper fails it at that deadline', async (t) => {
  const { store, queue, reconciler } = memory()
  const waiting = job({ status: 'processing', attempts: 1, waiting: 'callback', deadline: NOW - 1 })
  await store.create(waiting)
  t.match(await reconciler.pass(NOW), { watched: 1, requeued: 0 })
  t.equal((await sweepOnce(store, queue, ['v'], 1_000, NOW)).length, 1, 'one job failed at its deadline')
  t.match(await store.get(waiting.id), { status: 'failed', error: /^callback timed out/ })
})

test('a job held by a delivery whose entry is gone is released and queued, and the stale holder can no longer settle it', async (t) => {
  const { store, queue, reconciler } = memory()
  const held = job({ status: 'processing', attempts: 1, holder: '1-0#1' })
  await store.create(held)
  t.match(await reconciler.pass(NOW), { requeued: 1 })
  const [d] = (await queue.take(LIMITS, 10, { reclaim: false })).deliveries
  if (d === undefined) return t.fail('not queued')
  t.match(await store.claim(held.id, { entry: d.entry, deliveries: d.deliveries, kind: 'call' }), { ok: true, job: { attempts: 2, lastError: 'its queue entry was lost; queued again' } })
  t.equal(await store.settle(held.id, '1-0#1', { status: 'complete' }), false)
})

test('a retry whose delayed entry was lost is queued for its retry time, not sooner', async (t) => {
  const { store, queue, reconciler } = memory()
  const retrying = job({ status: 'processing', attempts: 1, nextAttemptAt: Date.now() + 60_000 })
  await store.create(retrying)
  t.match(await reconciler.pass(NOW), { requeued: 1 })
  t.same(await taken(queue), [], 'not due yet')
  t.match(await queue.coverage('v', [retrying]), [{ retry: true }])
})

test('a job that changed while the pass read the queue is left to whatever changed it', async (t) => {
  const { store, queue, reconciler } = memory({
    waiting: (store) => ({
      async waiting (...args) {
        const listed = await store.waiting(...args)
        const [first] = listed
        if (first !== undefined) await store.transition(first.id, 'pending', { status: 'processing', attempts: 1, holder: 'live#1' })
        return listed
      }
    })
  })
  const [moved, lost] = [job({ updatedAt: OLD - 1 }), job()]
  for (const j of [moved, lost]) await store.create(j)
  t.match(await reconciler.pass(NOW), { listed: 2, requeued: 1 })
  t.same(await taken(queue), [lost.id])
})

test('passes page through a vendor\'s waiting jobs a batch at a time, and start over at the end', async (t) => {
  const { store, reconciler } = memory({ batch: 2 })
  for (let i = 0; i < 5; i++) await store.create(job({ updatedAt: OLD + i }))
  const outcomes = [await reconciler.pass(NOW), await reconciler.pass(NOW), await reconciler.pass(NOW), await reconciler.pass(NOW)]
  t.same(outcomes.map((o) => [o.listed, o.requeued]), [[2, 2], [2, 2], [1, 1], [2, 0]])
})

async function deleteAll (redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`)
  if (keys.length > 0) await redis.del(...keys)
}

test('after Redis lost every key of the queue, one pass queues the waiting jobs again, watches the deadlines and lists them again', { skip: skipRedis }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const redis = redisClient(t, url)
  const keys = redisKeys(prefix)
  const queue = await createRedisQueue(redisClient(t, url), { keys, consumer: 'w1', vendors: ['v'], subscriber: redisClient(t, url), leaseMs: 30_000, marginMs: 0 })
  t.teardown(() => queue.close())
  const store = createMemoryStore()
  const [pending, held, waiting] = [job(), job(), job()]
  for (const j of [pending, held, waiting]) await store.create(j)
  await queue.enqueue('v', [pending, held, waiting])
  const deliveries = (await queue.take(LIMITS, 3, { reclaim: false })).deliveries
  const of = (id: string) => deliveries.find((d) => d.jobId === id)
  const [h, w] = [of(held.id), of(waiting.id)]
  if (h === undefined || w === undefined) return t.fail('not taken')
  await store.claim(held.id, { entry: h.entry, deliveries: 1, kind: 'call' })
  await store.claim(waiting.id, { entry: w.entry, deliveries: 1, kind: 'call' })
  const deadline = Date.now() + 60_000
  await store.settle(waiting.id, w.holder, { waiting: 'callback', deadline })
  await queue.settle(LIMITS, [{ delivery: w, outcome: 'ok', deadline, status: 'processing' }])

  await deleteAll(redis, prefix)
  const reconciler = createReconciler({ store, waiting: store, queue, vendors: ['v'], graceMs: 0, batch: 100 })
  t.same(await reconciler.pass(Date.now() + 1), { listed: 3, requeued: 2, watched: 1 })
  t.same(await reconciler.pass(Date.now() + 1), { listed: 3, requeued: 0, watched: 0 }, 'then all is covered again')

  const again = (await queue.take(LIMITS, 10, { reclaim: false })).deliveries
  t.same(again.map((d) => d.jobId).sort(), [pending.id, held.id].sort(), 'each queued once')
  for (const d of again) t.match(await store.claim(d.jobId, { entry: d.entry, deliveries: d.deliveries, kind: 'call' }), { ok: true })
  t.same(await queue.dueDeadlines('v', deadline, 10, 1_000), [waiting.id])
  t.equal(await redis.zscore(keys.vendor('v').status('processing'), waiting.id), String(OLD), 'listed under its status again')
})

test('two processes\' reconcilers sharing a Redis lease make one pass per interval between them', { skip: skipRedis }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const store = createMemoryStore()
  let passes = 0
  const counted: WaitingJobs = { waiting: async (...args) => { passes++; return store.waiting(...args) } }
  const intervalMs = 200
  const started = Date.now()
  const running = await Promise.all(['a', 'b'].map(async (name) => {
    const backend = await processBackend(t, url, prefix, name)
    return startReconciler({ store, waiting: counted, queue: backend.queue, vendors: ['v'], graceMs: 0, batch: 10, intervalMs, lease: (ms) => backend.lease('reconciler', ms), log: quiet })
  }))
  await sleep(1_100)
  await Promise.all(running.map((r) => r.stop()))
  const intervals = Math.ceil((Date.now() - started) / intervalMs)
  t.ok(passes >= 2 && passes <= intervals + 1, `${passes} passes in ${intervals} intervals, not one per process`)
})
