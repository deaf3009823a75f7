import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t, { test } from 'tap'
import { request } from 'undici'
import { SECRET, waitFor } from '../helper.js'
import { redisClient, skipWithoutRedis } from '../redis-server.js'
import { allEnded, postMany, startStack } from './stack.js'

const skip = skipWithoutRedis(t, { stoppable: true })
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

async function timed (url: string, init: Parameters<typeof request>[1] = {}): Promise<{ status: number, ms: number, body: string }> {
  const started = Date.now()
  const res = await request(url, { ...init, headersTimeout: 5000, bodyTimeout: 5000 })
  return { status: res.statusCode, ms: Date.now() - started, body: await res.body.text() }
}

test('while Redis is down the API answers 503 at once, then recovers by itself and loses no acknowledged job', { skip }, async (t) => {
  const stack = await startStack(t, {
    appendonly: true,
    // Short calls and claims, so that entries a worker held when Redis went away come back quickly.
    vendors: { syncVendor: { timeoutMs: 1000, rateLimit: { perSecond: 50, burst: 10 } }, asyncVendor: { timeoutMs: 1000 } },
    env: { LEASE_MS: '2000' },
    // A callback refused while the API cannot reach Redis is sent again for about 25 s, as a real vendor keeps
    // trying for hours: the mock's default 3 retries give up within a second, before the API is back.
    mockEnv: { MOCK_WEBHOOK_DELAY_MIN_MS: '50', MOCK_WEBHOOK_DELAY_MAX_MS: '200', MOCK_LATENCY_MS: '20', MOCK_WEBHOOK_RETRIES: '8' }
  })
  await stack.startWorker()
  const ids = await postMany(stack, 100, (i) => ({ vendor: i % 2 === 0 ? 'syncVendor' : 'asyncVendor', userId: i }))
  // Stopped while the worker is still busy with them.
  await stack.redis.stop()

  const health = await timed(`${stack.base}/health`)
  t.equal(health.status, 503)
  t.match(JSON.parse(health.body), { status: 'unavailable', checks: { store: 'down', queue: 'down' } })
  t.ok(health.ms < 1500, `/health answered in ${health.ms} ms`)
  const post = await timed(`${stack.base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"vendor":"syncVendor"}' })
  t.equal(post.status, 503, 'never a 202 for a job it could not store')
  t.match(JSON.parse(post.body), { statusCode: 503, code: 'VFS_ERR_UNAVAILABLE' })
  t.notMatch(post.body, /at .*\.(ts|js):\d+/, 'no stack trace')
  t.ok(post.ms < 1500, `POST /jobs answered in ${post.ms} ms`)
  const read = await timed(`${stack.base}/jobs/${ids[0]}`)
  t.equal(read.status, 503)

  await stack.redis.start()
  await waitFor(async () => (await timed(`${stack.base}/health`)).status === 200 || undefined, 15_000, 'the API to recover')
  const redis = redisClient(t, stack.redis.url)
  const statuses = await allEnded(stack, redis, ids, 60_000)
  t.equal(statuses.filter((s) => s === 'complete').length, 100, 'every job acknowledged before the restart completes')
  t.equal((await stack.post({ vendor: 'syncVendor' })).status, 202, 'and new jobs are taken again')
})

test('a worker that loses Redis mid-run picks up again when it returns', { skip }, async (t) => {
  const stack = await startStack(t, {
    appendonly: true,
    vendors: { syncVendor: { timeoutMs: 1000 }, asyncVendor: { timeoutMs: 1000 } },
    env: { LEASE_MS: '2000' }
  })
  const worker = await stack.startWorker()
  const before = await postMany(stack, 20, (i) => ({ vendor: 'syncVendor', userId: i }))
  await stack.redis.stop()
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal(worker.child.exitCode, null, 'the worker is still running')
  await stack.redis.start()
  await waitFor(async () => (await timed(`${stack.base}/health`)).status === 200 || undefined, 15_000, 'the API to recover')
  const after = await postMany(stack, 20, (i) => ({ vendor: 'syncVendor', userId: i }))
  const redis = redisClient(t, stack.redis.url)
  const statuses = await allEnded(stack, redis, [...before, ...after], 60_000)
  t.ok(statuses.every((s) => s === 'complete'))
})

test('calls that end while Redis is down for 3 s are settled once it returns: each job is called once, not again after its lease', { skip }, async (t) => {
  const stack = await startStack(t, {
    appendonly: true,
    vendors: { syncVendor: { timeoutMs: 5000 } },
    env: { LEASE_MS: '10000' },
    mockEnv: { MOCK_LATENCY_MS: '1000' }
  })
  await stack.startWorker()
  const ids = await postMany(stack, 20, (i) => ({ vendor: 'syncVendor', userId: i }))
  await waitFor(async () => (await stack.vendorStats(stack.syncVendor)).open >= 20 || undefined, 15_000, 'the calls on the wire')
  // The calls answer while Redis is down: their settlements cannot be sent until it is back.
  await stack.redis.stop()
  await new Promise((resolve) => setTimeout(resolve, 3000))
  await stack.redis.start()
  // The API reconnects on its own backoff, up to 2 s after the worker has settled: statuses are read through it.
  await waitFor(async () => (await timed(`${stack.base}/health`)).status === 200 || undefined, 15_000, 'the API to recover')
  const redis = redisClient(t, stack.redis.url)
  t.same(await allEnded(stack, redis, ids, 60_000), ids.map(() => 'complete'))
  // Past the lease: a settlement given up on would have had its job called again by now.
  await new Promise((resolve) => setTimeout(resolve, 11_000))
  const calls = await Promise.all(ids.map(async (id) => (await (await request(`${stack.syncVendor}/admin/stats?request_id=${id}`)).body.json() as { calls: number }).calls))
  t.same(calls, ids.map(() => 1), 'one call per job at the vendor')
})

for (const [what, entry] of [['the API', 'server.ts'], ['a worker', 'workers/worker.ts']] as const) {
  test(`${what} started with an unreachable or malformed REDIS_URL exits with one clear line`, async (t) => {
    for (const [url, message] of [
      ['redis://127.0.0.1:1', /^cannot start.*: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: ECONNREFUSED\n$/],
      ['not a url', /^cannot start.*: invalid Redis URL: expected redis\[s\]:\/\/.*\n$/]
    ] as const) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', entry], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', REDIS_URL: url, PORT: '0', WORKER_PORT: '0', ASYNC_VENDOR_SECRET: SECRET },
        encoding: 'utf8',
        timeout: 20_000
      })
      t.equal(run.status, 1, url)
      t.match(run.stderr, message, url)
      t.notMatch(run.stderr, /\n\s+at /, 'no stack trace')
    }
  })
}
