import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import t, { test } from 'tap'
import redisPlugin from '../../plugins/redis.js'
import { freePort } from '../free-port.js'
import { skipWithoutRedis, startRedis, type Teardown } from '../redis-server.js'

const skip = skipWithoutRedis(t)
const stoppable = skip || skipWithoutRedis(t, { stoppable: true })

/** The app with a stand-in for the config plugin the redis plugin depends on; `logs` collects its lines. */
async function buildApp (t: Teardown, url: string): Promise<{ app: FastifyInstance, logs: string[] }> {
  const logs: string[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => logs.push(JSON.parse(line).msg) } } })
  t.teardown(() => app.close())
  await app.register(fp(async () => {}, { name: 'config' }))
  await app.register(redisPlugin, { url })
  await app.ready()
  return { app, logs }
}

/** The command's error; a string (which fails `t.type(…, Error)`) when it answered or was still pending after `ms`. */
async function failsWithin (ms: number, command: Promise<unknown>): Promise<Error | string> {
  const timer = sleep(ms).then(() => `still pending after ${ms} ms`)
  return Promise.race([command.then(() => 'answered', (err: Error) => err), timer])
}

test('the plugin connects, answers PING, and closes its client with the app', { skip }, async (t) => {
  const redis = await startRedis(t)
  const { app } = await buildApp(t, redis.url)
  t.equal(await app.redis.ping(), 'PONG')
  await app.close()
  // QUIT resolves on the server's OK; the socket closes just after.
  if (app.redis.status !== 'end') await Promise.race([once(app.redis, 'end'), sleep(1_000)])
  t.equal(app.redis.status, 'end')
})

test('an unreachable Redis fails registration with one line naming it', async (t) => {
  const port = await freePort()
  const err = await buildApp(t, `redis://127.0.0.1:${port}`).catch((err: Error) => err)
  t.match(err, { name: 'RedisConnectionError', message: `cannot reach Redis at redis://127.0.0.1:${port}: ECONNREFUSED` })
  t.notMatch((err as Error).message, /\n/)
})

test('a malformed Redis URL fails registration with one line that does not repeat it', async (t) => {
  for (const url of ['not a url', 'http://127.0.0.1:6379', 'redis://127.0.0.1:port', 'redis://:s3cret@', 'redis://127.0.0.1/db']) {
    const err = await buildApp(t, url).catch((err: Error) => err)
    t.match(err, { name: 'RedisConnectionError', message: /^invalid Redis URL: expected redis/ }, url)
    t.notMatch((err as Error).message, /\n|s3cret/, url)
  }
})

test('a command while Redis is stopped fails within a second instead of hanging', { skip: stoppable }, async (t) => {
  const redis = await startRedis(t)
  const { app } = await buildApp(t, redis.url)
  const inFlight = failsWithin(1_000, app.redis.blpop('never-filled', 0))
  await redis.stop()
  t.type(await inFlight, Error, 'a command in flight when the connection dropped')
  t.type(await failsWithin(1_000, app.redis.ping()), Error, 'a command right after the server went away')
  await sleep(300)
  t.type(await failsWithin(1_000, app.redis.ping()), Error, 'a command while reconnecting')
})

test('after Redis restarts the client works again by itself and logs the outage once', { skip: stoppable }, async (t) => {
  const redis = await startRedis(t)
  const { app, logs } = await buildApp(t, redis.url)
  await redis.stop()
  await sleep(500)
  await redis.start()
  let answer: unknown
  for (const until = Date.now() + 10_000; answer !== 'PONG' && Date.now() < until; await sleep(50)) {
    answer = await app.redis.ping().catch(() => undefined)
  }
  t.equal(answer, 'PONG')
  t.equal(logs.filter((l) => l.startsWith('lost the connection to Redis')).length, 1)
  t.equal(logs.filter((l) => l.startsWith('reconnected to Redis')).length, 1)
})
