import tap, { test } from 'tap'
import { buildApp } from '../../app.js'
import { buildLoggedTestApp, buildTestApp, testConfig } from '../helper.js'
import { skipWithoutRedis, startRedis } from '../redis-server.js'

const idle = () => testConfig({ WORKER: 'off' })
const long = 'y'.repeat(5000)

/** The message repeats the start of `long` and marks the cut, never more than 200 characters of it. */
function echoesClipped (t: { ok (value: unknown, message: string): unknown }, message: string): void {
  t.ok(/y{100,200}…/.test(message), 'the start of the input, then an ellipsis')
  t.ok(message.length < 300, `a short message (${message.length} characters)`)
}

test('an unknown route is a 404 that repeats at most 200 characters of its URL', async (t) => {
  const app = await buildTestApp(t, idle())
  const res = await app.inject({ method: 'GET', url: `/nope/${long}` })
  t.equal(res.statusCode, 404)
  t.match(res.json(), { statusCode: 404, code: 'VFS_ERR_ROUTE_NOT_FOUND', error: 'Not Found', message: /^Route GET:\/nope\/y+… not found$/ })
  echoesClipped(t, res.json().message)
})

test('a URL the router refuses is answered in the error shape, repeating at most 200 characters of it', async (t) => {
  const app = await buildTestApp(t, idle())
  const tooLong = await app.inject({ method: 'GET', url: `/jobs/${long}` })
  t.equal(tooLong.statusCode, 414)
  t.match(tooLong.json(), { statusCode: 414, code: 'FST_ERR_MAX_PARAM_LENGTH', error: 'URI Too Long', message: /has a path parameter over the length limit$/ })
  t.same(Object.keys(tooLong.json()).sort(), ['code', 'error', 'message', 'statusCode'])
  echoesClipped(t, tooLong.json().message)
  const malformed = await app.inject({ method: 'GET', url: `/jobs/%E0%A4%A${long}` })
  t.equal(malformed.statusCode, 400)
  t.match(malformed.json(), { statusCode: 400, code: 'FST_ERR_BAD_URL', error: 'Bad Request', message: /is not a valid URL$/ })
  echoesClipped(t, malformed.json().message)
})

test("a schema error repeats at most 200 characters of the client's keys", async (t) => {
  const app = await buildApp(idle())
  t.teardown(() => app.close())
  // A schema that validates each property by name, as vendor payload schemas do: the path holds the client's key.
  app.post('/probe', { schema: { body: { type: 'object', additionalProperties: { type: 'string' } } } }, async () => 'ok')
  const res = await app.inject({ method: 'POST', url: '/probe', payload: { [long]: 1 } })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { code: 'FST_ERR_VALIDATION', message: /^body\/y+…$/ })
  echoesClipped(t, res.json().message)
})

const stoppable = skipWithoutRedis(tap, { stoppable: true })

test('a Redis that is full or gone is a 503 with Retry-After, not a 500, and no error line', { skip: stoppable }, async (t) => {
  const redis = await startRedis(t)
  const { app, logs } = await buildLoggedTestApp(t, testConfig({ WORKER: 'off', REDIS_URL: redis.url }))
  const post = () => app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor' } })
  // noeviction (the default) and no room: every write is refused with "OOM command not allowed".
  await app.redis.config('SET', 'maxmemory', '1')
  const full = await post()
  t.equal(full.statusCode, 503, 'full')
  t.same(full.json(), { statusCode: 503, code: 'VFS_ERR_UNAVAILABLE', error: 'Service Unavailable', message: 'service unavailable: the job store cannot be reached or is full' })
  t.equal(full.headers['retry-after'], '5')
  await app.redis.config('SET', 'maxmemory', '0')
  t.equal((await post()).statusCode, 202, 'and takes jobs again once there is room')
  await redis.stop()
  const gone = await post()
  t.equal(gone.statusCode, 503, 'gone')
  t.equal(gone.headers['retry-after'], '5')
  t.same(logs.filter((l) => Number(l.level) >= 50), [], 'an outage is not an error line per request')
})
