import tap, { test } from 'tap'
import { buildTestApp, testConfig } from '../helper.js'
import { redisFor, skipWithoutRedis } from '../redis-server.js'

const json = { 'content-type': 'application/json' }
/** A job body whose payload nests arrays so that the whole body is `depth` levels deep. */
const deepJob = (depth: number): string => `{"vendor":"syncVendor","a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`

const modes = [['embedded mode', false], ['redis mode', true]] as const
for (const [mode, redis] of modes) {
  test(`in ${mode} JSON nested deeper than 64 levels is a 400, however deep, and 64 levels are a job that reads back`, { skip: redis && skipWithoutRedis(tap) }, async (t) => {
    const env = redis ? await redisFor(t).then(({ url, prefix }) => ({ REDIS_URL: url, REDIS_PREFIX: prefix })) : {}
    const app = await buildTestApp(t, testConfig({ WORKER: 'off', ...env }))
    for (const depth of [65, 5_000, 100_000]) {
      const res = await app.inject({ method: 'POST', url: '/jobs', headers: json, payload: deepJob(depth) })
      t.equal(res.statusCode, 400, `depth ${depth}`)
      t.same(res.json(), { statusCode: 400, code: 'VFS_ERR_JSON_TOO_DEEP', error: 'Bad Request', message: 'JSON nested deeper than 64 levels' })
    }
    const ok = await app.inject({ method: 'POST', url: '/jobs', headers: json, payload: deepJob(64) })
    t.equal(ok.statusCode, 202)
    t.equal((await app.inject({ method: 'GET', url: `/jobs/${ok.json().request_id}` })).statusCode, 200)
  })
}

test('a body with a __proto__ key is valid JSON: it is refused by name, not called malformed', async (t) => {
  const app = await buildTestApp(t, testConfig({ WORKER: 'off' }))
  const res = await app.inject({ method: 'POST', url: '/jobs', headers: json, payload: '{"vendor":"syncVendor","__proto__":{"admin":true}}' })
  t.equal(res.statusCode, 400)
  t.same(res.json(), {
    statusCode: 400,
    code: 'VFS_ERR_FORBIDDEN_KEY',
    error: 'Bad Request',
    message: 'key "__proto__" is not allowed: it could replace the prototype of an object the payload is merged into'
  })
  t.equal(({} as Record<string, unknown>).admin, undefined, 'and no prototype changed on the way')
})

test('malformed and empty JSON keep their own 400s', async (t) => {
  const app = await buildTestApp(t, testConfig({ WORKER: 'off' }))
  t.match((await app.inject({ method: 'POST', url: '/jobs', headers: json, payload: '{"vendor":' })).json(), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' })
  t.match((await app.inject({ method: 'POST', url: '/jobs', headers: json, payload: '' })).json(), { statusCode: 400, code: 'FST_ERR_CTP_EMPTY_JSON_BODY' })
})
