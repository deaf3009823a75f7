import t from 'tap'
import { createMemoryResults } from '../../core/backends/memory/results.js'
import { createMemoryStore } from '../../core/backends/memory/store.js'
import type { Job } from '../../core/job.js'
import { finishLeader, parseCacheControl, settleFollower, submitCached } from '../../core/results.js'
import { resultsContract } from './results-contract.js'

resultsContract(t, 'memory', false, async () => {
  let now = 1_000_000
  return { cache: createMemoryResults(100, () => now), wait: async (ms) => { now += ms } }
}, 300)

t.test('memory: at most maxEntries results are kept, the oldest dropped first', async (t) => {
  const cache = createMemoryResults(2)
  for (const key of ['a', 'b', 'c']) {
    await cache.admit(key, key, { claimMs: 1000 })
    await cache.finish(key, key, { result: key, ttlMs: 60_000 })
  }
  t.same(await cache.admit('a', 'a2', { claimMs: 1000 }), { kind: 'lead' })
  t.match(await cache.admit('c', 'c2', { claimMs: 1000 }), { kind: 'hit', result: 'c' })
})

t.test('Cache-Control: no-cache and max-age are read; anything else is refused with the reason', async (t) => {
  t.same(parseCacheControl(undefined), {})
  t.same(parseCacheControl('no-cache'), { noCache: true })
  t.same(parseCacheControl('max-age=30'), { maxAgeMs: 30_000 })
  t.same(parseCacheControl('Max-Age=0, no-cache'), { noCache: true, maxAgeMs: 0 })
  t.match(parseCacheControl('max-age=abc'), /whole number of seconds/)
  t.match(parseCacheControl('max-age=1.5'), /whole number/)
  t.match(parseCacheControl('private'), /only no-cache and max-age/)
})

const jobOf = (id: string, over: Partial<Job> = {}): Job => ({ id, vendor: 'v', team: 'x', status: 'pending', payload: {}, attempts: 0, createdAt: 1_000, updatedAt: 1_000, ...over })

t.test('a follower whose leader is not stored yet waits for it; one whose leader is gone well after fails with the reason', async (t) => {
  const store = createMemoryStore()
  const jobs = { store, submit: (job: Job) => store.create(job), index: async () => {}, ended: async () => {}, requeue: async () => {}, intend: async () => {} }
  const follower = jobOf('f', { source: 'coalesced', leader: 'l' })
  await store.create(follower)
  t.equal((await settleFollower(jobs, follower, 2_000)).status, 'pending', 'a leader on its way')
  t.match(await settleFollower(jobs, follower, 100_000), { status: 'failed', error: 'the job it joined is gone' })
})

t.test('a leader that cannot be stored frees its key, and the jobs that joined it meanwhile fail with the reason', async (t) => {
  const store = createMemoryStore()
  const cache = createMemoryResults(10)
  let release = (): void => {}
  const gate = new Promise<void>((resolve) => { release = resolve })
  const jobs = { store, submit: async () => { await gate; throw new Error('store full') }, index: async () => {}, ended: async () => {}, requeue: async () => {}, intend: async () => {} }
  const leading = submitCached(jobs, cache, jobOf('l'), 'k', { claimMs: 1000 })
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(await submitCached(jobs, cache, jobOf('f', { createdAt: Date.now() }), 'k', { claimMs: 1000 }), 'coalesced')
  t.equal((await store.get('f'))?.status, 'pending', 'the leader is on its way')
  release()
  await t.rejects(leading, /store full/)
  t.match(await store.get('f'), { status: 'failed', error: /could not be stored: store full/ })
  t.same(await cache.admit('k', 'next', { claimMs: 1000 }), { kind: 'lead' }, 'the key is free again')
})

t.test('a job that comes after its leader ended, before the leader released its key, takes its result or makes its own call, never its failure', async (t) => {
  const store = createMemoryStore()
  const cache = createMemoryResults(10)
  const jobs = { store, submit: (job: Job) => store.create(job), index: async () => {}, ended: async () => {}, requeue: async () => {}, intend: async () => {} }
  for (const [outcome, expected] of [[{ status: 'complete', result: { v: 1 } }, 'cache'], [{ status: 'failed', error: 'no' }, 'vendor']] as const) {
    const key = `k-${outcome.status}`
    t.equal(await submitCached(jobs, cache, jobOf(`${key}-leader`), key, { claimMs: 60_000 }), 'vendor')
    const ended = await store.transition(`${key}-leader`, 'pending', outcome) as Job
    // The leader's end is written; its release of the key (finishLeader) has not run yet.
    t.equal(await submitCached(jobs, cache, jobOf(`${key}-late`), key, { claimMs: 60_000 }), expected, `after a ${outcome.status} leader`)
    await finishLeader(jobs, cache, ended, 60_000)
    const late = await store.get(`${key}-late`)
    if (outcome.status === 'complete') t.match(late, { status: 'complete', result: { v: 1 }, source: 'cache' })
    else t.match(late, { status: 'pending', source: 'vendor' }, 'its own call, untouched by the leader\'s end')
  }
})

t.test('a leader failed for its own team\'s budget or quota ends its team\'s followers with that, and releases other teams\' to make their own call', async (t) => {
  const store = createMemoryStore()
  const cache = createMemoryResults(10)
  const requeued: string[] = []
  const jobs = { store, submit: (job: Job) => store.create(job), index: async () => {}, ended: async () => {}, requeue: async (job: Job) => { requeued.push(job.id) }, intend: async () => {} }
  const cases = [
    ['VFS_ERR_BUDGET_EXHAUSTED: team a cannot afford another call of v within its budget', true],
    ['VFS_ERR_TEAM_QUOTA: team a used its quota on v, and the job would wait past its maxWaitMs (1000 ms) for room', true],
    ['the vendor answered 400', false]
  ] as const
  for (const [i, [error, own]] of cases.entries()) {
    const key = `k${i}`
    const [leader, mate, other] = [jobOf(`${key}-l`, { team: 'a' }), jobOf(`${key}-m`, { team: 'a' }), jobOf(`${key}-o`, { team: 'b' })]
    t.equal(await submitCached(jobs, cache, leader, key, { claimMs: 60_000 }), 'vendor')
    for (const job of [mate, other]) t.equal(await submitCached(jobs, cache, job, key, { claimMs: 60_000 }), 'coalesced')
    await finishLeader(jobs, cache, await store.transition(leader.id, 'pending', { status: 'failed', error }) as Job, 60_000)
    t.match(await store.get(mate.id), { status: 'failed', error }, 'its own team\'s follower takes its failure')
    const released = await store.get(other.id)
    if (own) {
      t.match(released, { status: 'processing', attempts: 0, source: 'vendor' }, 'another team\'s follower is released, and shown nothing of team a')
      t.equal(released?.leader, undefined)
      t.ok(requeued.includes(other.id), 'and queued for its own call')
      t.equal((await settleFollower(jobs, released as Job)).status, 'processing', 'reading it changes nothing')
    } else t.match(released, { status: 'failed', error }, 'a failure of the record is every follower\'s')
  }
  t.same(requeued, ['k0-o', 'k1-o'])
})

t.test('a job that takes a kept result or joins a leader has its webhook\'s outbox entry before it is stored', async (t) => {
  const store = createMemoryStore()
  const cache = createMemoryResults(10)
  const order: string[] = []
  const watched = { ...store, create: async (job: Job) => { order.push(`create ${job.id}`); await store.create(job) } }
  const jobs = { store: watched, submit: (job: Job) => store.create(job), index: async () => {}, ended: async () => {}, requeue: async () => {}, intend: async (job: Job) => { order.push(`intend ${job.id}`) } }
  const notify = { url: 'https://hooks.example/x', status: 'pending' as const, attempts: 0 }
  t.equal(await submitCached(jobs, cache, jobOf('l', { notify }), 'k', { claimMs: 60_000 }), 'vendor')
  t.equal(await submitCached(jobs, cache, jobOf('f', { notify }), 'k', { claimMs: 60_000 }), 'coalesced')
  await finishLeader(jobs, cache, await store.transition('l', 'pending', { status: 'complete', result: 1 }) as Job, 60_000)
  t.equal(await submitCached(jobs, cache, jobOf('h', { notify }), 'k', { claimMs: 60_000 }), 'cache')
  t.same(order, ['intend f', 'create f', 'intend h', 'create h'])
})
