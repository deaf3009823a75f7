import type { RedisClient } from '../../core/backends/redis/client.js'
import tap, { test } from 'tap'
import { buildLoggedTestApp, testConfig } from '../helper.js'
import { skipWithoutRedis, startRedis } from '../redis-server.js'

const skip = skipWithoutRedis(tap, { stoppable: true })
const warned = (logs: Array<Record<string, unknown>>) => logs.filter((l) => Number(l.level) === 40 && /^Redis keeps nothing on disk/.test(String(l.msg)))

/** How many CONFIG commands the server has run. */
async function configCalls (redis: RedisClient): Promise<number> {
  return Number(/^cmdstat_config:calls=(\d+)/m.exec(await redis.info('commandstats'))?.[1] ?? 0)
}

test('a Redis that keeps nothing on disk is reported as none, with one warning at start, read once', { skip }, async (t) => {
  const server = await startRedis(t)
  const { app, logs } = await buildLoggedTestApp(t, testConfig({ WORKER: 'off', REDIS_URL: server.url }))
  t.match(warned(logs), [{ msg: 'Redis keeps nothing on disk (no append-only file, no snapshots): a Redis restart loses every job, its queue entry and its retries; run it with --appendonly yes' }])
  const before = await configCalls(app.redis)
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ method: 'GET', url: '/health' })
    t.equal(res.statusCode, 200)
    t.equal(res.json().persistence, 'none')
  }
  t.equal(await configCalls(app.redis), before, '/health asks Redis nothing about it')
  t.equal(warned(logs).length, 1, 'and the warning is not repeated')
})

test('a Redis with an append-only file is reported as aof, without a warning', { skip }, async (t) => {
  const server = await startRedis(t, { appendonly: true })
  const { app, logs } = await buildLoggedTestApp(t, testConfig({ WORKER: 'off', REDIS_URL: server.url }))
  t.match((await app.inject({ method: 'GET', url: '/health' })).json(), { status: 'ok', mode: 'redis', persistence: 'aof' })
  t.same(warned(logs), [])
})

test('embedded mode has no Redis to report on', async (t) => {
  const { app } = await buildLoggedTestApp(t, testConfig({ WORKER: 'off' }))
  t.notOk('persistence' in (await app.inject({ method: 'GET', url: '/health' })).json())
})
