import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import type { Backend } from '../../core/backend.js'
import { createMemoryBackend } from '../../core/backends/memory/index.js'
import type { VendorLimits } from '../../core/dispatch/queue.js'
import { bodyHash, encodeRecord, IDEMPOTENCY_TTL_MS, type IdempotencyKeys, submitOnce } from '../../core/idempotency.js'
import type { Job } from '../../core/job.js'
import type { Teardown } from '../redis-server.js'

const LIMITS: VendorLimits = {
  name: 'syncVendor',
  rateLimit: { perSecond: 1e6, burst: 1e6 },
  quotas: [],
  concurrency: 1000,
  breaker: { minCalls: 20, failureRatio: 0.5, windowMs: 10_000, halfOpenAfterMs: 5000, probes: 1 },
  maxWaitMs: 60_000
}
const FAST = { waitMs: 200, staleMs: 30_000 }

/**
 * What every home of idempotency keys must do, driven through submitOnce, the rules POST /jobs follows.
 * The jobs go to a memory backend: the keys are what is under test.
 */
export function idempotencyContract (name: string, skip: false | string, makeKeys: (t: Teardown) => Promise<IdempotencyKeys>): void {
  const setup = async (t: Teardown) => {
    const keys = await makeKeys(t)
    const backend = createMemoryBackend({ leaseMs: 30_000, marginMs: 0 }, { maxJobs: 1000 })
    t.teardown(() => backend.close())
    const body = { vendor: 'syncVendor', userId: randomUUID() }
    const newJob = (id: string): Job => ({ id, vendor: 'syncVendor', team: 'default', status: 'pending', payload: { userId: body.userId }, attempts: 0, createdAt: Date.now(), updatedAt: Date.now() })
    const queued = async () => (await backend.queue.take(LIMITS, 100, { reclaim: false })).deliveries.map((d) => d.jobId)
    const once = (b: Backend = backend, key = 'key-1', hash = bodyHash(body)) => submitOnce({ keys, backend: b }, key, hash, newJob, FAST)
    return { keys, backend, body, once, queued, hash: bodyHash(body) }
  }

  test(`${name}: the same key and body name the same job, which is created once`, { skip }, async (t) => {
    const { once, queued, backend } = await setup(t)
    const first = await once()
    t.equal(first.created, true)
    t.same(await once(), { id: first.id, created: false })
    t.ok(await backend.store.get(first.id))
    t.same(await queued(), [first.id], 'queued once')
  })

  test(`${name}: the same key with another body is refused and queues nothing more`, { skip }, async (t) => {
    const { once, queued } = await setup(t)
    const first = await once()
    await t.rejects(once(undefined, 'key-1', bodyHash({ vendor: 'syncVendor', userId: 'someone else' })), { name: 'IdempotencyMismatchError' })
    t.same(await queued(), [first.id])
  })

  test(`${name}: of many duplicates at once exactly one creates the job, and all answer its id`, { skip }, async (t) => {
    const { once, queued } = await setup(t)
    const answers = await Promise.all(Array.from({ length: 20 }, () => once()))
    t.equal(new Set(answers.map((a) => a.id)).size, 1)
    t.equal(answers.filter((a) => a.created).length, 1)
    t.equal((await queued()).length, 1)
  })

  test(`${name}: a key whose request died before storing its job is taken over once stale: the job is stored under the key's id`, { skip }, async (t) => {
    const { keys, once, backend, hash, queued } = await setup(t)
    const id = randomUUID()
    await keys.reserve('key-1', encodeRecord({ state: 'pending', id, hash, at: Date.now() - FAST.staleMs }), IDEMPOTENCY_TTL_MS)
    t.same(await once(), { id, created: true })
    t.ok(await backend.store.get(id))
    t.same(await queued(), [id])
    t.same(await once(), { id, created: false }, 'and the key is done')
  })

  test(`${name}: a key whose request died after storing its job is taken over without a second job, and the job is queued`, { skip }, async (t) => {
    const { keys, once, backend, hash, queued } = await setup(t)
    const id = randomUUID()
    await backend.store.create({ id, vendor: 'syncVendor', team: 'default', status: 'pending', payload: {}, attempts: 0, createdAt: 1, updatedAt: 1 })
    await keys.reserve('key-1', encodeRecord({ state: 'pending', id, hash, at: Date.now() - FAST.staleMs }), IDEMPOTENCY_TTL_MS)
    t.same(await once(), { id, created: true })
    t.same(await queued(), [id])
  })

  test(`${name}: a key whose request stored and queued its job, then failed to mark the key done, is taken over without a second entry`, { skip }, async (t) => {
    const { keys, once, backend, hash, queued } = await setup(t)
    const id = randomUUID()
    const job: Job = { id, vendor: 'syncVendor', team: 'default', status: 'pending', payload: {}, attempts: 0, createdAt: 1, updatedAt: 1 }
    await backend.submit(job)
    await keys.reserve('key-1', encodeRecord({ state: 'pending', id, hash, at: Date.now() - FAST.staleMs }), IDEMPOTENCY_TTL_MS)
    t.same(await once(), { id, created: true })
    t.same(await queued(), [id], 'one entry, not two')
  })

  test(`${name}: a key whose request died after storing a coalesced job is taken over without queueing it: it ends with its leader`, { skip }, async (t) => {
    const { keys, once, backend, hash, queued } = await setup(t)
    const id = randomUUID()
    await backend.store.create({ id, vendor: 'syncVendor', team: 'default', status: 'pending', payload: {}, attempts: 0, createdAt: 1, updatedAt: 1, source: 'coalesced', leader: randomUUID() })
    await keys.reserve('key-1', encodeRecord({ state: 'pending', id, hash, at: Date.now() - FAST.staleMs }), IDEMPOTENCY_TTL_MS)
    t.same(await once(), { id, created: true })
    t.same(await queued(), [], 'no call of its own')
  })

  test(`${name}: a request whose submit failed gives the key up, and the retry stores the job under the same id at once`, { skip }, async (t) => {
    const { once, backend, queued } = await setup(t)
    const failing: Backend = { ...backend, submit: async () => { throw new Error('store down') } }
    await t.rejects(once(failing), { message: 'store down' })
    const retried = await once()
    t.equal(retried.created, true)
    t.same(await queued(), [retried.id])
    t.same(await once(), { id: retried.id, created: false })
  })

  test(`${name}: a duplicate waits for the request that holds the key, then says it is still in progress`, { skip }, async (t) => {
    const { keys, once, hash, queued } = await setup(t)
    const id = randomUUID()
    const held = encodeRecord({ state: 'pending', id, hash, at: Date.now() })
    await keys.reserve('key-1', held, IDEMPOTENCY_TTL_MS)
    const started = Date.now()
    await t.rejects(once(), { name: 'IdempotencyInProgressError' })
    t.ok(Date.now() - started >= FAST.waitMs, 'after waiting')
    setTimeout(() => { keys.swap('key-1', held, encodeRecord({ state: 'done', id, hash, at: 0 }), IDEMPOTENCY_TTL_MS).catch(() => {}) }, 50)
    t.same(await once(), { id, created: false }, 'a duplicate that waits while the holder finishes gets its id')
    t.same(await queued(), [], 'and queued nothing of its own')
  })

  test(`${name}: a key is reserved once, and its record replaced only while it holds what the caller read`, { skip }, async (t) => {
    const { keys } = await setup(t)
    t.equal(await keys.reserve('k', 'a', 60_000), null)
    t.equal(await keys.reserve('k', 'b', 60_000), 'a')
    t.equal(await keys.swap('k', 'b', 'c', 60_000), false)
    t.equal(await keys.swap('k', 'a', 'c', 60_000), true)
    t.equal(await keys.reserve('k', 'd', 60_000), 'c')
    t.equal(await keys.swap('missing', 'a', 'c', 60_000), false, 'nothing is created by a swap')
    t.equal(await keys.reserve('missing', 'e', 60_000), null)
  })
}
