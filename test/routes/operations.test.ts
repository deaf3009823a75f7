import tap, { test } from 'tap'
import { buildTestApp, startMocks, testConfig, type TestContext, waitFor } from '../helper.js'
import { redisFor, skipWithoutRedis } from '../redis-server.js'

const TOKEN = 'a-test-admin-token-of-some-length'
const admin = { authorization: `Bearer ${TOKEN}` }
const skipRedis = skipWithoutRedis(tap)

/** An app with jobs in known states: `failed` jobs of syncVendor, then `pending` ones of asyncVendor. */
async function withJobs (t: TestContext, env: Record<string, string> = {}, counts = { failed: 3, pending: 2 }) {
  const app = await buildTestApp(t, testConfig({ WORKER: 'off', ADMIN_TOKEN: TOKEN, ...env }))
  const post = async (vendor: string) => (await app.inject({ method: 'POST', url: '/jobs', payload: { vendor, n: 1 } })).json().request_id as string
  const failed: string[] = []
  for (let i = 0; i < counts.failed; i++) {
    const id = await post('syncVendor')
    const job = await app.backend.store.transition(id, 'pending', { status: 'failed', error: `vendor said no (${i})` })
    await app.backend.queue.reindex('syncVendor', [{ id, status: 'failed', createdAt: job?.createdAt ?? 0 }])
    failed.push(id)
    // Apart in time, so that newest first is the order they were posted in.
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  const pending: string[] = []
  for (let i = 0; i < counts.pending; i++) {
    pending.push(await post('asyncVendor'))
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  return { app, failed, pending }
}

for (const mode of ['embedded', 'redis'] as const) {
  const skip = mode === 'redis' ? skipRedis : false
  const env = async (t: TestContext) => mode === 'redis' ? (({ url, prefix }) => ({ REDIS_URL: url, REDIS_PREFIX: prefix }))(await redisFor(t)) : {}

  test(`${mode}: GET /jobs lists newest first without results, in pages that follow next_cursor, filtered by status, vendor and created_after`, { skip }, async (t) => {
    const { app, failed, pending } = await withJobs(t, await env(t))
    const get = async (query: string) => (await app.inject({ method: 'GET', url: `/jobs${query}` })).json()
    const all = await get('')
    t.same(all.jobs.map((j: { request_id: string }) => j.request_id), [...failed, ...pending].reverse())
    t.notOk(all.jobs.some((j: object) => 'result' in j), 'no results in a listing')
    t.equal(all.next_cursor, undefined)
    const first = await get('?limit=2')
    t.equal(first.jobs.length, 2)
    const second = await get(`?limit=2&cursor=${first.next_cursor}`)
    const third = await get(`?limit=2&cursor=${second.next_cursor}`)
    t.same([...first.jobs, ...second.jobs, ...third.jobs].map((j: { request_id: string }) => j.request_id), [...failed, ...pending].reverse())
    t.equal(third.next_cursor, undefined, 'the last page says so')
    const failures = await get('?status=failed&vendor=syncVendor')
    t.same(failures.jobs.map((j: { request_id: string }) => j.request_id), [...failed].reverse())
    t.match(failures.jobs[0], { status: 'failed', error: 'vendor said no (2)' })
    t.same((await get('?vendor=asyncVendor')).jobs.length, 2)
    const oldest = (await app.backend.store.get(failed[0] as string))?.createdAt ?? 0
    t.same((await get(`?status=failed&created_after=${new Date(oldest).toISOString()}`)).jobs.length, 2, 'strictly after')
  })

  test(`${mode}: a leap second and other odd but valid times in created_after list the same jobs in every mode`, { skip }, async (t) => {
    const { app, failed, pending } = await withJobs(t, await env(t))
    const all = [...failed, ...pending].reverse()
    for (const before of ['2016-12-31T23:59:60Z', '2016-12-31t23:59:60.999z', '2017-01-01T00:59:60+01:00', '2017-01-01 00:00:00.123456789Z', '2017-01-01T00:00:00+23:59']) {
      const res = await app.inject({ method: 'GET', url: `/jobs?created_after=${encodeURIComponent(before)}` })
      t.equal(res.statusCode, 200, before)
      t.same(res.json().jobs.map((j: { request_id: string }) => j.request_id), all, `${before}: every job is after it`)
    }
    const later = await app.inject({ method: 'GET', url: `/jobs?created_after=${encodeURIComponent('9999-12-31T23:59:60Z')}` })
    t.same([later.statusCode, later.json().jobs], [200, []], 'a leap second after every job lists none')
  })

  test(`${mode}: a stored time out of range never breaks a read of the job or of a listing holding it`, { skip }, async (t) => {
    const { app, pending } = await withJobs(t, await env(t))
    const [far, lost] = pending as [string, string]
    await app.backend.store.transition(far, 'pending', { status: 'processing', nextAttemptAt: 1e20 })
    await app.backend.store.transition(lost, 'pending', { status: 'processing', nextAttemptAt: Number.NaN })
    const one = await app.inject({ method: 'GET', url: `/jobs/${far}` })
    t.equal(one.statusCode, 200)
    t.equal(one.json().next_attempt_at, '9999-12-31T23:59:59.999Z')
    t.equal((await app.inject({ method: 'GET', url: `/jobs/${lost}` })).json().next_attempt_at, '1970-01-01T00:00:00.000Z')
    const listed = await app.inject({ method: 'GET', url: '/jobs' })
    t.equal(listed.statusCode, 200)
    t.equal(listed.json().jobs.length, 5)
  })

  test(`${mode}: POST /jobs/retry replays the newest failed jobs matching the filter, a bounded batch at a time`, { skip }, async (t) => {
    const { app, failed } = await withJobs(t, await env(t))
    const retry = (query: string) => app.inject({ method: 'POST', url: `/jobs/retry${query}`, headers: admin })
    const first = await retry('?vendor=syncVendor&limit=2')
    t.equal(first.statusCode, 202)
    t.same(first.json(), { retried: 2, request_ids: [failed[2], failed[1]], more: true })
    t.match((await app.inject({ method: 'GET', url: `/jobs/${failed[2]}` })).json(), { status: 'pending', attempts: 0 })
    t.same((await retry('?limit=2')).json(), { retried: 1, request_ids: [failed[0]], more: false })
    t.same((await retry('')).json(), { retried: 0, request_ids: [], more: false })
  })
}

const badQueries: Array<[string, string, RegExp]> = [
  ['an unknown status', '?status=lost', /status must be equal to one of the allowed values/],
  ['an unknown vendor', '?vendor=nobody', /unknown vendor "nobody"; known vendors: syncVendor, asyncVendor/],
  ['a limit of 0', '?limit=0', /limit must be >= 1/],
  ['a limit over 100', '?limit=101', /limit must be <= 100/],
  ['a limit that is no number', '?limit=ten', /limit must be integer/],
  ['a date that is not ISO-8601', '?created_after=yesterday', /created_after must match format "date-time"/],
  ['a misspelt filter', '?stauts=failed', /must NOT have additional properties/],
  ['a cursor of its own making', '?cursor=MTIzOnh5eg', /cursor is not one this service gave out/]
]
for (const [what, query, message] of badQueries) {
  test(`GET /jobs with ${what} is a 400 in the error shape`, async (t) => {
    const app = await buildTestApp(t, testConfig({ WORKER: 'off' }))
    const res = await app.inject({ method: 'GET', url: `/jobs${query}` })
    t.equal(res.statusCode, 400)
    t.match(res.json(), { statusCode: 400, message })
  })
}

test('GET /vendors shows configuration, limits and state, and never a secret, not even one in the URL', async (t) => {
  const app = await buildTestApp(t, testConfig({ WORKER: 'off' }, {
    syncVendor: { url: 'https://user:url-password@vendor.example/v1/data?api_key=query-secret', quotas: [{ limit: 100, window: '1m' }] },
    asyncVendor: { webhookSecret: 'webhook-secret-value' }
  }))
  const res = await app.inject({ method: 'GET', url: '/vendors' })
  t.equal(res.statusCode, 200)
  t.notMatch(res.body, /url-password|query-secret|webhook-secret-value|test-async-vendor-secret|webhookSecret/)
  const [sync, async] = res.json().vendors
  t.match(sync, {
    name: 'syncVendor',
    config: { mode: 'sync', url: 'https://vendor.example/v1/data', rateLimit: { perSecond: 100, burst: 20 }, quotas: [{ limit: 100, window: 60_000 }], concurrency: 50 },
    state: { tokens: Number, slots_in_use: 0, breaker: 'closed' },
    queue: { ready: 0, delayed: 0, delivered: 0 },
    counts: { pending: 0, processing: 0, complete: 0, failed: 0 }
  })
  t.match(async, { name: 'asyncVendor', config: { mode: 'async', callbackTimeoutMs: 300_000 } })
  t.same((await app.inject({ method: 'GET', url: '/vendors/asyncVendor' })).json(), async)
  const unknown = await app.inject({ method: 'GET', url: '/vendors/nobody' })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { code: 'VFS_ERR_VENDOR_NOT_FOUND', message: /known vendors: syncVendor, asyncVendor/ })
})

test('a paused vendor is called by no worker and its jobs wait without spending attempts; resumed, they complete', async (t) => {
  const mocks = await startMocks(t)
  const app = await buildTestApp(t, testConfig({ ADMIN_TOKEN: TOKEN }, mocks.vendors))
  const paused = await app.inject({ method: 'POST', url: '/vendors/syncVendor/pause?reason=incident%2042', headers: admin })
  t.equal(paused.statusCode, 200)
  t.match(paused.json().state.admin_pause, { since: String, reason: 'incident 42' })
  const id = (await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor' } })).json().request_id
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.match((await app.inject({ method: 'GET', url: `/jobs/${id}` })).json(), { status: 'pending', attempts: 0 })
  t.equal((await mocks.sync.inject({ method: 'GET', url: '/admin/stats' })).json().received, 0, 'the vendor saw no call')
  t.match((await app.inject({ method: 'GET', url: '/vendors/syncVendor' })).json(), { queue: { ready: 1 }, counts: { pending: 1 } })
  const resumed = await app.inject({ method: 'POST', url: '/vendors/syncVendor/resume', headers: admin })
  t.equal(resumed.statusCode, 200)
  t.notOk('admin_pause' in resumed.json().state)
  await waitFor(async () => (await app.inject({ method: 'GET', url: `/jobs/${id}` })).json().status === 'complete' || undefined, 5_000, 'the job to complete')
  t.equal((await app.inject({ method: 'GET', url: `/jobs/${id}` })).json().attempts, 1)
})

const adminRoutes = [['POST', '/vendors/syncVendor/pause'], ['POST', '/vendors/syncVendor/resume'], ['POST', '/jobs/retry']] as const

test('without ADMIN_TOKEN the admin routes answer 404, as unknown routes do', async (t) => {
  const app = await buildTestApp(t, testConfig({ WORKER: 'off' }))
  for (const [method, url] of adminRoutes) {
    const res = await app.inject({ method, url, headers: admin })
    t.equal(res.statusCode, 404, url)
    t.equal(res.json().code, 'VFS_ERR_ROUTE_NOT_FOUND')
  }
})

test('with ADMIN_TOKEN the admin routes answer 401 to a missing or wrong bearer token, and change nothing', async (t) => {
  const app = await buildTestApp(t, testConfig({ WORKER: 'off', ADMIN_TOKEN: TOKEN }))
  for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }]) {
    for (const [method, url] of adminRoutes) {
      const res = await app.inject({ method, url, headers })
      t.equal(res.statusCode, 401, `${url} with ${JSON.stringify(headers)}`)
      t.equal(res.headers['www-authenticate'], 'Bearer realm="vfs-admin"')
      t.equal(res.json().code, 'VFS_ERR_UNAUTHORIZED')
    }
  }
  t.notOk('admin_pause' in (await app.inject({ method: 'GET', url: '/vendors/syncVendor' })).json().state, 'not paused')
  t.equal((await app.inject({ method: 'POST', url: '/vendors/nobody/pause', headers: admin })).statusCode, 404, 'the right token, an unknown vendor')
})
