import { randomUUID } from 'node:crypto'
import tap, { test } from 'tap'
import { BODY_LIMIT } from '../../app.js'
import { buildTestApp, queuedIds, testConfig, type TestContext } from '../helper.js'
import { redisFor, skipWithoutRedis } from '../redis-server.js'

const idle = () => testConfig({ WORKER: 'off' })
const skipRedis = skipWithoutRedis(tap)

/** Redis mode on a throwaway server, and the keys this app has written there. */
async function redisApp (t: TestContext) {
  const { url, prefix } = await redisFor(t)
  const app = await buildTestApp(t, testConfig({ WORKER: 'off', REDIS_URL: url, REDIS_PREFIX: prefix }))
  return { app, keys: async () => (await app.redis.keys(`${prefix}:*`)).sort() }
}
const json = { 'content-type': 'application/json' }

test('a job is accepted with 202, a request_id and a Location, and reads back as pending', async (t) => {
  const app = await buildTestApp(t, idle())
  const res = await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor', type: 'user_data', userId: 123 } })
  t.equal(res.statusCode, 202)
  const { request_id: id } = res.json()
  t.match(id, /^[0-9a-f-]{36}$/)
  t.equal(res.headers.location, `/jobs/${id}`)
  const job = await app.inject({ method: 'GET', url: `/jobs/${id}` })
  t.equal(job.statusCode, 200)
  t.match(job.json(), { request_id: id, status: 'pending', vendor: 'syncVendor', attempts: 0 })
  t.equal(new Date(job.json().created_at).toISOString(), job.json().created_at, 'timestamps are ISO-8601')
  t.notOk('result' in job.json())
  t.same((await app.backend.store.get(id))?.payload, { type: 'user_data', userId: 123 }, 'the payload is stored as sent, without the vendor')
  t.same(await queuedIds(app), [id], 'and queued once')
})

const badPosts: Array<[string, { payload: string, headers?: Record<string, string> }, number, RegExp]> = [
  ['malformed JSON', { payload: '{"vendor": "syncVendor",' }, 400, /JSON/i],
  ['a JSON array', { payload: '[{"vendor":"syncVendor"}]' }, 400, /object/],
  ['a JSON string', { payload: '"syncVendor"' }, 400, /object/],
  ['JSON null', { payload: 'null' }, 400, /object|null/],
  ['no vendor', { payload: '{"userId": 1}' }, 400, /vendor.*known vendors: syncVendor, asyncVendor/],
  ['a vendor that is not a string', { payload: '{"vendor": 7}' }, 400, /vendor.*known vendors/],
  ['an unknown vendor', { payload: '{"vendor": "nobody"}' }, 400, /unknown vendor "nobody"; known vendors: syncVendor, asyncVendor/],
  ['an empty body', { payload: '' }, 400, /empty|JSON|body/i],
  ['text/plain', { payload: '{"vendor":"syncVendor"}', headers: { 'content-type': 'text/plain' } }, 415, /Unsupported Media Type/i],
  ['form data', { payload: 'vendor=syncVendor', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, /Unsupported Media Type/i],
  ['a body over the limit', { payload: JSON.stringify({ vendor: 'syncVendor', blob: 'x'.repeat(BODY_LIMIT) }) }, 413, /too large/i]
]

for (const [what, request, status, message] of badPosts) {
  test(`POST /jobs with ${what} is answered ${status} in the error shape and stores nothing`, async (t) => {
    const app = await buildTestApp(t, idle())
    const res = await app.inject({ method: 'POST', url: '/jobs', headers: { ...json, ...request.headers }, payload: request.payload })
    t.equal(res.statusCode, status)
    const body = res.json()
    t.same(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'])
    t.equal(body.statusCode, status)
    t.match(body.message, message)
    t.notMatch(res.body, /at .*\.(ts|js):\d+/, 'no stack trace')
    t.same(await queuedIds(app), [], 'nothing was queued')
  })
}

test('embedded mode past EMBEDDED_MAX_JOBS evicts a finished job, and with none finished answers 503 with Retry-After', async (t) => {
  const app = await buildTestApp(t, testConfig({ WORKER: 'off', EMBEDDED_MAX_JOBS: '2' }))
  const post = () => app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor' } })
  const [first, second] = [await post(), await post()]
  t.same([first.statusCode, second.statusCode], [202, 202])
  const full = await post()
  t.equal(full.statusCode, 503)
  t.equal(full.headers['retry-after'], '5')
  t.same(full.json(), {
    statusCode: 503,
    code: 'VFS_ERR_STORE_FULL',
    error: 'Service Unavailable',
    message: 'cannot take the job now: the job store keeps at most 2 jobs and none of them has ended yet; retry after Retry-After seconds'
  })
  t.equal((await queuedIds(app)).length, 2, 'nothing more was queued')
  const id = first.json().request_id
  await app.backend.store.transition(id, 'pending', { status: 'failed', error: 'no' })
  t.equal((await post()).statusCode, 202, 'a finished job makes room')
  t.equal((await app.inject({ method: 'GET', url: `/jobs/${id}` })).statusCode, 404, 'by going')
})

test('GET /jobs/{id} with an id that is not a UUID is 400, an unknown one 404', async (t) => {
  const app = await buildTestApp(t, idle())
  const bad = await app.inject({ method: 'GET', url: '/jobs/not-a-uuid' })
  t.equal(bad.statusCode, 400)
  t.match(bad.json(), { code: 'FST_ERR_VALIDATION', message: /uuid/ })
  const id = randomUUID()
  const unknown = await app.inject({ method: 'GET', url: `/jobs/${id}` })
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json(), { statusCode: 404, code: 'VFS_ERR_JOB_NOT_FOUND', error: 'Not Found', message: `no job with id ${id}` })
})

test('an unknown route is a 404 in the same error shape', async (t) => {
  const app = await buildTestApp(t, idle())
  const res = await app.inject({ method: 'DELETE', url: '/jobs' })
  t.equal(res.statusCode, 404)
  t.match(res.json(), { statusCode: 404, code: 'VFS_ERR_ROUTE_NOT_FOUND', error: 'Not Found' })
})

test('an unexpected failure is a 500 that hides its details', async (t) => {
  const app = await buildTestApp(t, idle())
  app.backend.store.create = async () => { throw new Error('disk on fire at /secret/path.ts:12') }
  const res = await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor' } })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { statusCode: 500, code: 'VFS_ERR_INTERNAL', error: 'Internal Server Error', message: 'Internal Server Error' })
})

test('/health reports each dependency and 503 when the store is down', async (t) => {
  const app = await buildTestApp(t, testConfig())
  const ok = await app.inject({ method: 'GET', url: '/health' })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { status: 'ok', mode: 'embedded', checks: { store: 'up', queue: 'up', worker: 'up', load: 'up' } })
  app.backend.store.ping = async () => { throw new Error('gone') }
  const down = await app.inject({ method: 'GET', url: '/health' })
  t.equal(down.statusCode, 503)
  t.same(down.json(), { status: 'unavailable', mode: 'embedded', checks: { store: 'down', queue: 'up', worker: 'up', load: 'up' } })
})

test('POST /jobs/{id}/retry sends a failed job back to pending with a new attempt budget, and queues it', async (t) => {
  const app = await buildTestApp(t, idle())
  const id = (await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor' } })).json().request_id
  await queuedIds(app)
  const notFailed = await app.inject({ method: 'POST', url: `/jobs/${id}/retry` })
  t.equal(notFailed.statusCode, 409)
  t.match(notFailed.json(), { code: 'VFS_ERR_NOT_FAILED', message: `job ${id} is pending: only a failed job can be retried` })
  await app.backend.store.transition(id, 'pending', { status: 'processing', attempts: 5 })
  await app.backend.store.transition(id, 'processing', { status: 'failed', error: 'syncVendor answered 500 (after 5 attempts)' })
  const res = await app.inject({ method: 'POST', url: `/jobs/${id}/retry` })
  t.equal(res.statusCode, 202)
  t.match(res.json(), { request_id: id, status: 'pending', attempts: 0 })
  t.notOk('error' in res.json(), 'the old error goes with the old budget')
  t.same(await queuedIds(app), [id], 'queued again')
  t.equal((await app.inject({ method: 'POST', url: `/jobs/${id}/retry` })).statusCode, 409, 'a second retry finds it pending')
})

test('POST /jobs/{id}/retry for an unknown job is 404 and for a bad id 400', async (t) => {
  const app = await buildTestApp(t, idle())
  t.equal((await app.inject({ method: 'POST', url: `/jobs/${randomUUID()}/retry` })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: '/jobs/nope/retry' })).statusCode, 400)
})

test('an unknown vendor name of 900 KB is a 400 that repeats at most 200 characters of it', async (t) => {
  const app = await buildTestApp(t, idle())
  const res = await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'x'.repeat(900_000) } })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { code: 'VFS_ERR_UNKNOWN_VENDOR', message: /^unknown vendor "x{200}…"; known vendors: syncVendor, asyncVendor$/ })
  t.ok(res.body.length < 400, `a short answer (${res.body.length} bytes)`)
})

test('a payload key with a NUL byte is a 400 naming it, and nothing is stored', async (t) => {
  const app = await buildTestApp(t, idle())
  const res = await app.inject({ method: 'POST', url: '/jobs', headers: json, payload: '{"vendor":"syncVendor","user":{"na\\u0000me":"x"}}' })
  t.equal(res.statusCode, 400)
  t.same(res.json(), {
    statusCode: 400,
    code: 'VFS_ERR_FORBIDDEN_KEY',
    error: 'Bad Request',
    message: 'key "na\\u0000me" is not allowed: it contains a NUL byte, which the job store cannot hold'
  })
  t.same(await queuedIds(app), [], 'nothing was queued')
})

test('a payload number beyond what JSON can carry (1e400, which parses as Infinity) is a 400, alone or in a batch, and nothing is stored', async (t) => {
  const app = await buildTestApp(t, idle())
  const res = await app.inject({ method: 'POST', url: '/jobs', headers: json, payload: '{"vendor":"syncVendor","type":"user_data","userId":[1,{"n":-1e400}]}' })
  t.equal(res.statusCode, 400)
  t.same(res.json(), {
    statusCode: 400,
    code: 'VFS_ERR_INVALID_PAYLOAD',
    error: 'Bad Request',
    message: 'invalid job for syncVendor: it holds a number beyond what JSON can carry (such as 1e400)'
  })
  const batch = await app.inject({ method: 'POST', url: '/jobs/batch', headers: json, payload: '{"jobs":[{"vendor":"syncVendor","type":"user_data","userId":1e400},{"vendor":"syncVendor","type":"user_data","userId":1}]}' })
  t.match(batch.json(), { jobs: [{ error: { statusCode: 400, code: 'VFS_ERR_INVALID_PAYLOAD' } }, { request_id: String }] })
  t.equal((await queuedIds(app)).length, 1, 'only the batch\'s valid job was queued')
})

test('a payload key starting with $ is a 400 in full mode and kept as sent otherwise', async (t) => {
  const payload = { vendor: 'syncVendor', filter: { $gt: 5 } }
  const embedded = await buildTestApp(t, idle())
  const kept = await embedded.inject({ method: 'POST', url: '/jobs', payload })
  t.equal(kept.statusCode, 202)
  t.same((await embedded.backend.store.get(kept.json().request_id))?.payload, { filter: { $gt: 5 } })
  // MongoDB cannot run here: the rule follows the configuration's mode, over the memory backends.
  const full = await buildTestApp(t, { ...idle(), mode: 'full' })
  const refused = await full.inject({ method: 'POST', url: '/jobs', payload })
  t.equal(refused.statusCode, 400)
  t.match(refused.json(), { code: 'VFS_ERR_FORBIDDEN_KEY', message: 'key "$gt" is not allowed: it starts with "$", which MongoDB reserves for operators' })
})

test('in redis mode too a NUL key is a 400, and nothing reaches Redis', { skip: skipRedis }, async (t) => {
  const { app, keys } = await redisApp(t)
  const before = await keys()
  const res = await app.inject({ method: 'POST', url: '/jobs', headers: json, payload: '{"vendor":"syncVendor","\\u0000":1}' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().code, 'VFS_ERR_FORBIDDEN_KEY')
  t.same(await keys(), before)
})
