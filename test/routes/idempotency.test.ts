import tap, { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, queuedIds, testConfig } from '../helper.js'
import { redisFor, skipWithoutRedis } from '../redis-server.js'

const skipRedis = skipWithoutRedis(tap)
const idle = () => testConfig({ WORKER: 'off' })

const post = (app: FastifyInstance, body: unknown, key?: string) => app.inject({
  method: 'POST',
  url: '/jobs',
  headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
  payload: typeof body === 'string' ? body : JSON.stringify(body)
})

test('the same Idempotency-Key with the same body answers the first request_id with 200, and queues no second job', async (t) => {
  const app = await buildTestApp(t, idle())
  const first = await post(app, { vendor: 'syncVendor', userId: 1, tags: ['a'] }, 'order-42')
  t.equal(first.statusCode, 202)
  const id = first.json().request_id
  const again = await post(app, '{"tags":["a"],"userId":1,"vendor":"syncVendor"}', 'order-42')
  t.equal(again.statusCode, 200, 'its keys in another order are the same body')
  t.same(again.json(), { request_id: id })
  t.equal(again.headers.location, `/jobs/${id}`)
  t.same(await queuedIds(app), [id])
  t.equal((await post(app, { vendor: 'syncVendor', userId: 1, tags: ['a'] })).statusCode, 202, 'without the key, a new job')
})

test('the same Idempotency-Key with another body is a 422 in the error shape, and queues nothing', async (t) => {
  const app = await buildTestApp(t, idle())
  const id = (await post(app, { vendor: 'syncVendor', userId: 1 }, 'k')).json().request_id
  const other = await post(app, { vendor: 'syncVendor', userId: 2 }, 'k')
  t.equal(other.statusCode, 422)
  t.same(other.json(), {
    statusCode: 422,
    code: 'VFS_ERR_IDEMPOTENCY_MISMATCH',
    error: 'Unprocessable Entity',
    message: 'this Idempotency-Key was used with another body: send a new key for a new request'
  })
  t.same(await queuedIds(app), [id])
})

test('twenty requests with one Idempotency-Key at once make one job, and all answer its id', async (t) => {
  const app = await buildTestApp(t, idle())
  const answers = await Promise.all(Array.from({ length: 20 }, () => post(app, { vendor: 'syncVendor', n: 1 }, 'burst')))
  t.same(answers.map((a) => a.statusCode).sort(), [202, ...Array(19).fill(200)].sort())
  const ids = new Set(answers.map((a) => a.json().request_id))
  t.equal(ids.size, 1)
  t.same(await queuedIds(app), [...ids])
})

test('an Idempotency-Key that is empty, longer than 255 characters or not printable ASCII is a 400, and nothing is queued', async (t) => {
  const app = await buildTestApp(t, idle())
  for (const key of ['', 'k'.repeat(256), 'tab\there', 'caf\u00e9']) {
    const res = await post(app, { vendor: 'syncVendor' }, key)
    t.equal(res.statusCode, 400, JSON.stringify(key))
    t.match(res.json(), { code: 'FST_ERR_VALIDATION', message: /^headers\/idempotency-key / })
    t.notMatch(res.json().message, /known vendors/, 'the vendors are not what was wrong')
  }
  t.same(await queuedIds(app), [])
  t.equal((await post(app, { vendor: 'syncVendor' }, `~ ${'k'.repeat(253)}`)).statusCode, 202, '255 printable characters are fine')
})

test('in redis mode, duplicates racing through two API processes make one job, and the key is kept in Redis', { skip: skipRedis }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const config = testConfig({ WORKER: 'off', REDIS_URL: url, REDIS_PREFIX: prefix })
  const [a, b] = [await buildTestApp(t, config), await buildTestApp(t, config)]
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 === 0 ? a : b, { vendor: 'syncVendor', n: 7 }, 'shared')))
  t.same(new Set(answers.map((r) => r.statusCode)), new Set([200, 202]))
  t.equal(answers.filter((r) => r.statusCode === 202).length, 1)
  const ids = new Set(answers.map((r) => r.json().request_id))
  t.equal(ids.size, 1)
  t.same(await queuedIds(a), [...ids])
  t.equal((await post(b, { vendor: 'syncVendor', n: 8 }, 'shared')).statusCode, 422)
  t.equal((await a.redis.keys(`${prefix}:idempotency:*`)).length, 1)
})
