import Fastify, { type FastifyInstance } from 'fastify'
import tap, { test } from 'tap'
import type { VendorEntry } from '../../vendors/config.js'
import { buildTestApp, startMocks, testConfig, type TestContext, waitFor } from '../helper.js'
import { clusterFor, skipWithoutRedisCluster } from '../redis-cluster.js'
import { redisFor, skipWithoutRedis } from '../redis-server.js'

// The result cache and coalescing through the routes, in each mode: calls counted at the mock vendor.

const skipRedis = skipWithoutRedis(tap)
const skipCluster = skipWithoutRedisCluster(tap)

type Mode = 'embedded' | 'redis' | 'redis cluster'
const MODES: Array<[Mode, false | string]> = [['embedded', false], ['redis', skipRedis], ['redis cluster', skipCluster]]

async function envOf (t: TestContext, mode: Mode): Promise<Record<string, string>> {
  if (mode === 'embedded') return {}
  if (mode === 'redis') {
    const { url, prefix } = await redisFor(t)
    return { REDIS_URL: url, REDIS_PREFIX: prefix }
  }
  const { url, prefix } = await clusterFor(t)
  return { REDIS_URL: url, REDIS_PREFIX: prefix, REDIS_CLUSTER: 'true' }
}

/** An app whose syncVendor keeps results, beside the mock vendors that count the calls. */
async function cachedApp (t: TestContext, mode: Mode, cache: VendorEntry['cache'] = { ttl: '1h' }, faults = {}) {
  const mocks = await startMocks(t, faults)
  const env = await envOf(t, mode)
  const vendors = { ...mocks.vendors, syncVendor: { ...mocks.vendors.syncVendor, cache, retry: { attempts: 1 }, cost: { perCall: 0.002, perResult: 0.01 } } }
  const app = await buildTestApp(t, testConfig(env, vendors))
  const calls = async (): Promise<number> => (await mocks.sync.inject({ method: 'GET', url: '/admin/stats' })).json().received
  return { app, mocks, calls }
}

const submit = async (app: FastifyInstance, payload: object, headers: Record<string, string> = {}) => {
  const res = await app.inject({ method: 'POST', url: '/jobs', headers, payload: { vendor: 'syncVendor', ...payload } })
  if (res.statusCode !== 202) throw new Error(`POST /jobs answered ${res.statusCode}: ${res.body}`)
  return res.json().request_id as string
}
const ended = (app: FastifyInstance, id: string) => waitFor(async () => {
  const job = (await app.inject({ method: 'GET', url: `/jobs/${id}` })).json()
  return job.status === 'complete' || job.status === 'failed' ? job : undefined
}, 15_000, `job ${id} to end`)

for (const [mode, skip] of MODES) {
  test(`${mode}: a job whose key has a kept result completes at once from it, without a call, whatever its key order`, { skip }, async (t) => {
    const { app, calls } = await cachedApp(t, mode)
    const first = await ended(app, await submit(app, { type: 'user_data', userId: 7, region: 'eu' }))
    t.match(first, { status: 'complete', source: 'vendor' })
    const again = await ended(app, await submit(app, { region: 'eu', userId: 7, type: 'user_data' }))
    t.match(again, { status: 'complete', source: 'cache', attempts: 0 })
    t.same(again.result, first.result, 'the kept result')
    t.equal(await calls(), 1, 'one call at the vendor')
    const other = await ended(app, await submit(app, { type: 'user_data', userId: 8, region: 'eu' }))
    t.match(other, { source: 'vendor', result: { data: { userId: 8 } } }, 'another payload makes its own call')
    t.equal(await calls(), 2)
    const listed = (await app.inject({ method: 'GET', url: '/jobs?status=complete&vendor=syncVendor' })).json()
    t.ok(listed.jobs.some((job: { request_id: string }) => job.request_id === again.request_id), 'the job served from the cache is listed as complete')
    const me = (await app.inject({ method: 'GET', url: '/teams/me' })).json()
    t.match(me.vendors.find((v: { name: string }) => v.name === 'syncVendor'), { saved_calls: { cache: 1, coalesced: 0 }, saved_cost: 0.012 }, 'the call saved and what it would have cost')
    const metrics = await app.inject({ method: 'GET', url: '/metrics' })
    t.match(metrics.body, /vfs_saved_calls_total\{vendor="syncVendor",team="default",source="cache"\} 1/)
  })

  test(`${mode}: no-cache makes a call and refreshes the kept result; max-age takes only a young enough one`, { skip }, async (t) => {
    const { app, calls } = await cachedApp(t, mode)
    const first = await ended(app, await submit(app, { n: 1 }))
    const fresh = await ended(app, await submit(app, { n: 1 }, { 'cache-control': 'no-cache' }))
    t.match(fresh, { source: 'vendor' })
    t.equal(await calls(), 2, 'no-cache called the vendor')
    t.not(fresh.result.request_id, first.result.request_id)
    const hit = await ended(app, await submit(app, { n: 1 }, { 'cache-control': 'max-age=60' }))
    t.match(hit, { source: 'cache', result: { request_id: fresh.result.request_id } }, 'the refreshed result')
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    const young = await ended(app, await submit(app, { n: 1 }, { 'cache-control': 'max-age=1' }))
    t.match(young, { source: 'vendor' }, 'a result older than max-age is not taken')
    t.equal(await calls(), 3)
    for (const bad of ['max-age=soon', 'private', 'max-age=-1']) {
      const res = await app.inject({ method: 'POST', url: '/jobs', headers: { 'cache-control': bad }, payload: { vendor: 'syncVendor', n: 1 } })
      t.equal(res.statusCode, 400, bad)
      t.match(res.json(), { statusCode: 400, code: 'VFS_ERR_CACHE_CONTROL', error: 'Bad Request' })
    }
  })

  test(`${mode}: a failure is never kept: the same job is called again`, { skip }, async (t) => {
    const { app, calls } = await cachedApp(t, mode, { ttl: '1h' }, { failRate: 1 })
    t.match(await ended(app, await submit(app, { n: 2 })), { status: 'failed', source: 'vendor' })
    t.match(await ended(app, await submit(app, { n: 2 })), { status: 'failed', source: 'vendor' })
    t.equal(await calls(), 2, 'each made its call')
  })

  test(`${mode}: identical jobs submitted while one is on the wire make one call and end with its result`, { skip }, async (t) => {
    const { app, calls } = await cachedApp(t, mode, { ttl: '1h' }, { latencyMs: 1_000 })
    const ids = await Promise.all(Array.from({ length: 30 }, () => submit(app, { n: 3 })))
    const jobs = await Promise.all(ids.map((id) => ended(app, id)))
    t.equal(await calls(), 1, 'one call at the vendor')
    t.ok(jobs.every((job) => job.status === 'complete'), 'all complete')
    t.equal(new Set(jobs.map((job) => JSON.stringify(job.result))).size, 1, 'with the same result')
    const sources = jobs.map((job) => job.source)
    t.equal(sources.filter((s) => s === 'vendor').length, 1, 'one made the call')
    // On a slow machine the last submissions may come after the call ended: they take its kept result.
    t.ok(sources.filter((s) => s === 'coalesced').length >= 1, 'the others joined it while it was on the wire...')
    t.equal(sources.filter((s) => s === 'coalesced' || s === 'cache').length, 29, '...or took its result')
  })

  test(`${mode}: jobs that joined a failing job fail with its error`, { skip }, async (t) => {
    const { app, calls } = await cachedApp(t, mode, { ttl: '1h' }, { latencyMs: 1_000, failRate: 1 })
    const ids = await Promise.all(Array.from({ length: 5 }, () => submit(app, { n: 4 })))
    const jobs = await Promise.all(ids.map((id) => ended(app, id)))
    t.equal(await calls(), 1)
    t.ok(jobs.every((job) => job.status === 'failed' && job.error === jobs[0].error), 'the leader\'s error')
  })

  test(`${mode}: a failed leader replayed with POST /jobs/{id}/retry completes and keeps its result; its followers ended once, with its failure`, { skip }, async (t) => {
    const { app, mocks, calls } = await cachedApp(t, mode, { ttl: '1h' }, { latencyMs: 1_000, failRate: 1 })
    const ids = await Promise.all(Array.from({ length: 4 }, () => submit(app, { n: 5 })))
    const jobs = await Promise.all(ids.map((id) => ended(app, id)))
    const leader = jobs.find((job) => job.source === 'vendor')
    await mocks.sync.inject({ method: 'PUT', url: '/admin/faults', payload: { failRate: 0 } })
    t.equal((await app.inject({ method: 'POST', url: `/jobs/${leader.request_id}/retry` })).statusCode, 202)
    t.match(await ended(app, leader.request_id), { status: 'complete', source: 'vendor' })
    for (const job of jobs.filter((job) => job.source === 'coalesced')) {
      t.match((await app.inject({ method: 'GET', url: `/jobs/${job.request_id}` })).json(), { status: 'failed', error: leader.error })
    }
    t.match(await ended(app, await submit(app, { n: 5 })), { source: 'cache', result: { request_id: leader.request_id } }, 'the replay\'s result is kept')
    t.equal(await calls(), 2)
  })
}

for (const [mode, skip] of MODES.slice(0, 2)) {
  test(`${mode}: jobs that joined a leader whose first call failed end once, with the result of its retry`, { skip }, async (t) => {
    // A vendor that answers its first call 500 (retried), then its data, each after a while on the wire.
    let received = 0
    const flaky = Fastify()
    flaky.post('/*', async (_request, reply) => {
      received++
      await new Promise((resolve) => setTimeout(resolve, 500))
      return received === 1 ? reply.code(500).send({ error: 'try again' }) : { data: { call: received } }
    })
    t.teardown(() => flaky.close())
    const url = await flaky.listen({ port: 0, host: '127.0.0.1' })
    const vendors = { flaky: { mode: 'sync' as const, url, cache: { ttl: '1h' }, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 } } }
    const app = await buildTestApp(t, testConfig(await envOf(t, mode), vendors))
    const ids = await Promise.all(Array.from({ length: 10 }, async () =>
      (await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'flaky', q: 1 } })).json().request_id as string))
    const jobs = await Promise.all(ids.map((id) => ended(app, id)))
    t.equal(received, 2, 'the leader\'s call and its retry, nothing else')
    t.ok(jobs.every((job) => job.status === 'complete'), 'every job complete')
    t.equal(new Set(jobs.map((job) => JSON.stringify(job.result))).size, 1, 'with the retry\'s result')
    t.equal(jobs.filter((job) => job.source === 'vendor').length, 1)
  })
}

test('a cache key by JSONata: jobs that differ outside it share the result', async (t) => {
  const { app, calls } = await cachedApp(t, 'embedded', { ttl: '1h', key: 'payload.userId' })
  const first = await ended(app, await submit(app, { userId: 1, note: 'a' }))
  const second = await ended(app, await submit(app, { userId: 1, note: 'b' }))
  t.match(second, { source: 'cache', result: first.result })
  t.equal(await calls(), 1)
})

test('a bad cache entry is a start error naming the vendor and the field', async (t) => {
  t.throws(() => testConfig({}, { syncVendor: { cache: { ttl: '0s' } } }), /vendor "syncVendor": cache.ttl/)
  t.throws(() => testConfig({}, { syncVendor: { cache: { ttl: '1h', key: 'payload.(' } } }), /syncVendor.*cache.key/)
  t.throws(() => testConfig({}, { syncVendor: { cache: { ttl: '1h', scope: 'world' } as never } }), /syncVendor.*cache/)
})
