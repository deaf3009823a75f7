import tap, { test } from 'tap'
import { buildTestApp, startMocks, testConfig, type TestContext, waitFor } from '../helper.js'
import { redisFor, skipWithoutRedis } from '../redis-server.js'

const skipRedis = skipWithoutRedis(tap)
const INTERVAL = 100

interface Point { at: string, calls: number, calls_per_second: number, queue?: { ready: number, delayed: number, in_flight: number } }

const sum = (points: Point[]): number => points.reduce((n, p) => n + p.calls, 0)

for (const mode of ['embedded', 'redis'] as const) {
  const skip = mode === 'redis' ? skipRedis : false
  const env = async (t: TestContext): Promise<Record<string, string>> => mode === 'redis' ? (({ url, prefix }) => ({ REDIS_URL: url, REDIS_PREFIX: prefix }))(await redisFor(t)) : {}

  test(`${mode}: GET /vendors/{name}/history shows the calls the vendor received per interval, against its limit, and its queue`, { skip }, async (t) => {
    const mocks = await startMocks(t)
    const app = await buildTestApp(t, testConfig({ HISTORY_INTERVAL_MS: String(INTERVAL), ...await env(t) }, mocks.vendors))
    for (let i = 0; i < 12; i++) t.equal((await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor', n: i } })).statusCode, 202)
    const received = await waitFor(async () => {
      const stats = (await mocks.sync.inject({ method: 'GET', url: '/admin/stats' })).json()
      return stats.received >= 12 ? stats.received as number : undefined
    }, 10_000, 'the vendor to receive every call')
    const history = await waitFor(async () => {
      const body = (await app.inject({ method: 'GET', url: '/vendors/syncVendor/history' })).json()
      return sum(body.points) === received ? body : undefined
    }, 10_000, 'the history to show every call the vendor received')
    t.match(history, { vendor: 'syncVendor', interval_ms: INTERVAL, window_ms: 15 * 60_000, limit: { per_second: 100, burst: 20, concurrency: Number } })
    const times = history.points.map((p: Point) => Date.parse(p.at))
    t.ok(times.every((at: number, i: number) => i === 0 || at - (times[i - 1] ?? 0) === INTERVAL), 'one point per interval, oldest first')
    t.ok(history.points.every((p: Point) => p.calls_per_second === p.calls * (1000 / INTERVAL)), 'calls per second of each interval')
    t.ok(history.points.some((p: Point) => p.queue !== undefined), 'the queue was sampled')
    t.ok(Date.parse(history.points.at(-1).at) + INTERVAL <= Date.now(), 'only intervals that are over')
    t.same((await app.inject({ method: 'GET', url: '/vendors/asyncVendor/history' })).json().points.every((p: Point) => p.calls === 0), true, 'another vendor\'s calls are its own')
  })

  test(`${mode}: GET /vendors/{name}/history of an unknown vendor is 404, as GET /vendors/{name}`, { skip }, async (t) => {
    const app = await buildTestApp(t, testConfig({ WORKER: 'off', ...await env(t) }))
    const unknown = await app.inject({ method: 'GET', url: '/vendors/nobody/history' })
    t.equal(unknown.statusCode, 404)
    t.match(unknown.json(), { statusCode: 404, code: 'VFS_ERR_VENDOR_NOT_FOUND', message: /nobody.*syncVendor/ })
    t.equal((await app.inject({ method: 'GET', url: `/vendors/${'x'.repeat(65)}/history` })).statusCode, 400)
    t.same((await app.inject({ method: 'GET', url: '/vendors/syncVendor/history' })).json().points, [], 'nothing counted yet')
  })
}

test('redis: the history is the fleet\'s: an API process that makes no call shows the calls of another process\'s worker', { skip: skipRedis }, async (t) => {
  const mocks = await startMocks(t)
  const redis = await redisFor(t)
  const fleet = { HISTORY_INTERVAL_MS: String(INTERVAL), REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix }
  const worker = await buildTestApp(t, testConfig(fleet, mocks.vendors))
  const api = await buildTestApp(t, testConfig({ ...fleet, WORKER: 'off' }, mocks.vendors))
  for (let i = 0; i < 6; i++) await api.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor', n: i } })
  const received = await waitFor(async () => {
    const stats = (await mocks.sync.inject({ method: 'GET', url: '/admin/stats' })).json()
    return stats.received >= 6 ? stats.received as number : undefined
  }, 10_000, 'the vendor to receive every call')
  const seen = await waitFor(async () => {
    const points = (await api.inject({ method: 'GET', url: '/vendors/syncVendor/history' })).json().points as Point[]
    return sum(points) === received ? points : undefined
  }, 10_000, 'the API process to show the worker\'s calls')
  t.equal(sum(seen), received)
  t.equal(sum((await worker.inject({ method: 'GET', url: '/vendors/syncVendor/history' })).json().points), received, 'both processes read the same history')
})
