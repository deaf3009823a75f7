import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Cluster } from 'ioredis'
import t, { test } from 'tap'
import { isRedisUnavailable } from '../../core/backends/redis/client.js'
import redisPlugin from '../../plugins/redis.js'
import { freePort } from '../free-port.js'
import { clusterFor, skipWithoutRedisCluster, startRedisCluster } from '../redis-cluster.js'
import { onPath, redisProcess, skipWithoutRedis, startOnFreePort, startRedis, type Teardown } from '../redis-server.js'

const skip = skipWithoutRedis(t)
const stoppable = skip || skipWithoutRedis(t, { stoppable: true })
const skipCluster = skipWithoutRedisCluster(t)

/** The app with a stand-in for the config plugin the redis plugin depends on; `logs` collects its lines. */
async function buildApp (t: Teardown, url: string, cluster = false): Promise<{ app: FastifyInstance, logs: string[] }> {
  const logs: string[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => logs.push(JSON.parse(line).msg) } } })
  t.teardown(() => app.close())
  await app.register(fp(async () => {}, { name: 'config' }))
  await app.register(redisPlugin, { url, cluster })
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

test('with cluster, the plugin connects to the whole cluster from one node and closes it with the app', { skip: skipCluster }, async (t) => {
  const { url, prefix } = await clusterFor(t)
  const { app } = await buildApp(t, url, true)
  t.type(app.redis, Cluster)
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map((tag) => `${prefix}:{${tag}}:k`)
  for (const key of keys) await app.redis.set(key, key)
  t.same(await Promise.all(keys.map((key) => app.redis.get(key))), keys, 'keys of several slots are written and read')
  t.equal((app.redis as Cluster).nodes('master').length, 3, 'it found all three masters')
  await app.close()
  if (app.redis.status !== 'end') await Promise.race([once(app.redis, 'end'), sleep(1_000)])
  t.equal(app.redis.status, 'end')
})

test('with cluster, an unreachable seed fails registration with one line naming it', async (t) => {
  const port = await freePort()
  const err = await buildApp(t, `redis://:s3cret@127.0.0.1:${port}`, true).catch((err: Error) => err)
  t.match(err, { name: 'RedisConnectionError', message: `cannot reach Redis Cluster at redis://127.0.0.1:${port}: ECONNREFUSED` })
  t.notMatch((err as Error).message, /\n|s3cret/)
})

test('with cluster, a seed that is not a cluster node fails registration with one line saying so', { skip }, async (t) => {
  const { url } = await startRedis(t)
  const err = await buildApp(t, url, true).catch((err: Error) => err)
  t.match(err, { name: 'RedisConnectionError', message: /^cannot reach Redis Cluster at redis:\/\/127\.0\.0\.1:\d+: .*cluster support disabled/ })
  t.notMatch((err as Error).message, /\n/)
})

test('with cluster, a seed whose cluster is not up fails registration with one line before Fastify gives up', { skip: skipCluster }, async (t) => {
  // A cluster-enabled node that was never joined to a cluster: no slots, so its cluster_state stays fail.
  const dir = mkdtempSync(join(tmpdir(), 'vfs-redis-lone-'))
  const node = await startOnFreePort(freePort, (port) => redisProcess(onPath('redis-server') ?? 'redis-server', port, dir, ['--cluster-enabled', 'yes']))
  t.teardown(async () => {
    await node.kill()
    rmSync(dir, { recursive: true, force: true })
  })
  const started = Date.now()
  const err = await buildApp(t, `redis://127.0.0.1:${node.port}`, true).catch((err: Error) => err)
  t.match(err, { name: 'RedisConnectionError', message: `cannot reach Redis Cluster at redis://127.0.0.1:${node.port}: not ready within 6000 ms` })
  t.ok(Date.now() - started < 10_000, 'within Fastify\'s 10 s plugin timeout')
})

test('with cluster, a URL naming a database other than 0 is refused: a cluster has only database 0', async (t) => {
  const err = await buildApp(t, 'redis://127.0.0.1:7000/2', true).catch((err: Error) => err)
  t.match(err, { name: 'RedisConnectionError', message: 'invalid Redis URL: a Redis Cluster has only database 0, not 2' })
})

test('a command while the whole cluster is stopped fails within a second, as unavailable', { skip: skipCluster }, async (t) => {
  const cluster = await startRedisCluster(t)
  const { app } = await buildApp(t, cluster.url, true)
  const inFlight = failsWithin(1_000, app.redis.blpop('{a}:never-filled', 0))
  await sleep(50)
  await cluster.stop()
  const failures = {
    'a command in flight when the nodes went away': await inFlight,
    'a command right after': await failsWithin(1_000, app.redis.get('{b}:k')),
    'a command while reconnecting': await sleep(300).then(() => failsWithin(1_000, app.redis.get('{c}:k')))
  }
  for (const [when, failure] of Object.entries(failures)) {
    t.type(failure, Error, when)
    t.ok(isRedisUnavailable(failure), `${when}: ${failure instanceof Error ? failure.message : failure}`)
  }
})

test('after the whole cluster restarts the client works again by itself and logs the outage once', { skip: skipCluster }, async (t) => {
  const cluster = await startRedisCluster(t)
  const { app, logs } = await buildApp(t, cluster.url, true)
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map((tag) => `{${tag}}:k`)
  await cluster.stop()
  // Node connections open on demand, so the client notices the outage when commands meet it.
  for (let i = 0; i < 10; i++, await sleep(50)) await Promise.all(keys.map((key) => app.redis.get(key).catch(() => undefined)))
  await cluster.start()
  let answers: unknown
  for (const until = Date.now() + 15_000; Date.now() < until; await sleep(50)) {
    answers = await Promise.all(keys.map((key) => app.redis.set(key, 'v'))).catch(() => undefined)
    if (answers !== undefined) break
  }
  t.same(answers, keys.map(() => 'OK'), 'every node takes writes again')
  const lost = logs.filter((l) => l.startsWith('lost the connection to Redis Cluster at'))
  t.equal(lost.length, 1)
  t.match(lost[0], `lost the connection to Redis Cluster at redis://127.0.0.1:${cluster.nodes[0]?.port}`)
  t.equal(logs.filter((l) => l.startsWith('reconnected to Redis Cluster at')).length, 1)
})

test('cluster errors that mean "cannot be reached now" are told apart from others', async (t) => {
  const unavailable = [
    'CLUSTERDOWN The cluster is down',
    'CLUSTERDOWN Hash slot not served',
    "Cluster isn't ready and enableOfflineQueue options is false",
    'Failed to refresh slots cache.',
    'None of startup nodes is available'
  ]
  for (const message of unavailable) t.ok(isRedisUnavailable(new Error(message)), message)
  const allFailed = Object.assign(new Error('any'), { name: 'ClusterAllFailedError' })
  t.ok(isRedisUnavailable(allFailed), 'ClusterAllFailedError')
  for (const message of ['CROSSSLOT Keys in request don\'t hash to the same slot', 'ERR unknown command', 'WRONGTYPE Operation against a key']) {
    t.notOk(isRedisUnavailable(new Error(message)), message)
  }
})
