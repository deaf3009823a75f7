import { connect } from 'node:net'
import { Redis } from 'ioredis'
import t, { test } from 'tap'
import { redisAvailable, redisClient, redisFor, skipWithoutRedis, startRedis, type TestRedis } from './redis-server.js'

const skip = skipWithoutRedis(t)
const stoppable = skip || skipWithoutRedis(t, { stoppable: true })

/** Sets environment variables for one test and puts them back at its end. */
function withEnv (t: { teardown (fn: () => void): void }, env: Record<string, string | undefined>): void {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
  apply(env)
  t.teardown(() => apply(saved))
}

async function roundTrip (t: { teardown (fn: () => unknown): void }, server: TestRedis, write?: string): Promise<string | null> {
  const redis = redisClient(t, server.url)
  if (write !== undefined) await redis.set('kept', write)
  const value = await redis.get('kept')
  await redis.quit()
  return value
}

test('a restarted appendonly server keeps what it had, after a clean stop and after a SIGKILL', { skip: stoppable }, async (t) => {
  const server = await startRedis(t, { appendonly: true })
  t.equal(await roundTrip(t, server, 'before stop'), 'before stop')
  await server.stop()
  await server.start()
  t.equal(await roundTrip(t, server), 'before stop')
  await roundTrip(t, server, 'before kill')
  await server.kill()
  await server.start()
  t.equal(await roundTrip(t, server), 'before kill', 'an acknowledged write survives a crash of the server')
})

test('without appendonly a restarted server starts empty', { skip: stoppable }, async (t) => {
  const server = await startRedis(t)
  await roundTrip(t, server, 'lost')
  await server.stop()
  await server.start()
  t.equal(await roundTrip(t, server), null)
})

test('teardown kills the server', { skip: stoppable }, async (t) => {
  let port = 0
  await t.test('a test with its own server', async (t) => {
    port = (await startRedis(t)).port
  })
  const refused = await new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(false) })
    socket.once('error', () => resolve(true))
  })
  t.ok(refused, `nothing listens on ${port} any more`)
})

test('each test gets its own prefix on the same server', { skip }, async (t) => {
  const [a, b] = [await redisFor(t), await redisFor(t)]
  t.equal(a.url, b.url)
  t.not(a.prefix, b.prefix)
})

test('on a TEST_REDIS_URL server a test deletes its own keys at its end and no others', { skip }, async (t) => {
  const { url, prefix: other } = await redisFor(t)
  withEnv(t, { TEST_REDIS_URL: url })
  const redis = new Redis(url)
  t.teardown(() => redis.quit())
  await redis.set(`${other}:{jobs}:x`, 'kept')
  let prefix = ''
  await t.test('a test that writes keys', async (t) => {
    prefix = (await redisFor(t)).prefix
    await redis.set(`${prefix}:{jobs}:a`, '1')
    await redis.set(`${prefix}:{jobs}:b`, '2')
  })
  t.equal(await redis.exists(`${prefix}:{jobs}:a`, `${prefix}:{jobs}:b`), 0)
  t.equal(await redis.get(`${other}:{jobs}:x`), 'kept')
})

test('an external TEST_REDIS_URL server is used as it is and never stopped', async (t) => {
  withEnv(t, { TEST_REDIS_URL: 'redis://127.0.0.1:6390' })
  const server = await startRedis(t)
  t.match(server, { url: 'redis://127.0.0.1:6390', port: 6390 })
  await t.rejects(server.stop(), /never stops or restarts/)
  await t.rejects(server.start(), /never stops or restarts/)
  t.match(redisAvailable({ stoppable: true }), { ok: false, reason: /TEST_REDIS_URL/ })
})

test('without Redis a test is skipped loudly, except in CI where that is a failure', async (t) => {
  withEnv(t, { PATH: '', TEST_REDIS_URL: undefined, CI: undefined })
  t.match(redisAvailable(), { ok: false, reason: /no redis-server on PATH/ })
  const failures: string[] = []
  const fake = { fail: (message: string) => failures.push(message) }
  const printed: string[] = []
  const error = console.error
  console.error = (line: string) => printed.push(line)
  t.teardown(() => { console.error = error })

  t.match(skipWithoutRedis(fake), /no redis-server on PATH/)
  t.same(failures, [], 'not a failure outside CI')
  t.match(printed.join('\n'), /!!! *\n!! Redis tests skipped/, 'a banner on stderr')

  process.env.CI = 'true'
  t.match(skipWithoutRedis(fake), /no redis-server/)
  t.match(failures, [/in CI every Redis test must run/])
})
