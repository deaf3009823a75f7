import { createServer, type Server } from 'node:http'
import { Webhook } from 'standardwebhooks'
import t, { test } from 'tap'
import { request } from 'undici'
import { freePort, type TestContext, waitFor } from '../helper.js'
import { redisClient, skipWithoutRedis } from '../redis-server.js'
import { skipWithoutRedisCluster } from '../redis-cluster.js'
import { allEnded, type Stack, startStack } from './stack.js'

/**
 * Completion webhooks through the deployed shape: an API, workers (which send them) and a receiver in
 * this test that checks each signature with the standardwebhooks package, as a client would.
 */
const skip = skipWithoutRedis(t, { stoppable: true })
const skipCluster = skipWithoutRedisCluster(t)
const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`

interface Delivery { id: string, job: string, type: string, path: string }

/** A receiver on `port`: verifies each webhook, keeps it, and answers what `answer` says for its path and try. */
function receiver (t: TestContext, port: number, answer: (path: string, tries: number) => { status: number, location?: string } = () => ({ status: 200 })) {
  const verified: Delivery[] = []
  let refused = 0
  let hits = 0
  const server: Server = createServer((req, res) => {
    hits++
    let body = ''
    req.on('data', (chunk) => { body += chunk })
    req.on('end', () => {
      try {
        const event = new Webhook(SECRET).verify(body, req.headers as Record<string, string>) as { type: string, data: { request_id: string } }
        verified.push({ id: String(req.headers['webhook-id']), job: event.data.request_id, type: event.type, path: req.url ?? '' })
      } catch {
        refused++
      }
      const tries = verified.filter((d) => d.id === req.headers['webhook-id']).length
      const { status, location } = answer(req.url ?? '', tries)
      res.writeHead(status, location === undefined ? {} : { location }).end()
    })
  })
  const listen = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve(undefined))
  }))
  return { url: `http://127.0.0.1:${port}`, verified, refused: () => refused, hits: () => hits, listen }
}

const post = async (stack: Stack, body: object, notifyUrl?: string) => {
  const res = await request(`${stack.base}/jobs`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(notifyUrl === undefined ? {} : { 'notify-url': notifyUrl }) }, body: JSON.stringify(body)
  })
  return { status: res.statusCode, body: await res.body.json() as { request_id: string, code?: string } }
}

const notifyOf = async (stack: Stack, id: string) =>
  (await (await request(`${stack.base}/jobs/${id}`)).body.json() as { notify?: { status: string, attempts: number, last_error?: string } }).notify

test('every job\'s end is delivered, signed; a receiver that fails twice gets three tries with one webhook-id; refused URLs and redirects are never reached', { skip }, async (t) => {
  const [okPort, flakyPort, otherPort] = [await freePort(), await freePort(), await freePort()]
  const hook = receiver(t, okPort)
  const flaky = receiver(t, flakyPort, (path, tries) => path === '/redirect'
    ? { status: 302, location: `http://127.0.0.1:${otherPort}/elsewhere` }
    : { status: tries <= 2 ? 503 : 204 })
  const other = receiver(t, otherPort)
  await Promise.all([hook.listen(), flaky.listen(), other.listen()])
  const stack = await startStack(t, {
    env: { NOTIFY_SECRET: SECRET, NOTIFY_ALLOWED_HOSTS: `127.0.0.1:${okPort},127.0.0.1:${flakyPort}`, NOTIFY_RETRY_DELAYS: '300ms,300ms,300ms' },
    mockEnv: { MOCK_WEBHOOK_DELAY_MIN_MS: '20', MOCK_WEBHOOK_DELAY_MAX_MS: '100' }
  })
  await stack.startWorker()

  const ids = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await post(stack, { vendor: i % 2 === 0 ? 'syncVendor' : 'asyncVendor', i }, `${hook.url}/vfs`)).body.request_id))
  await waitFor(async () => new Set(hook.verified.map((d) => d.job)).size === ids.length || undefined, 30_000, 'every webhook')
  t.same([...new Set(hook.verified.map((d) => d.job))].sort(), [...ids].sort(), 'one webhook for each job, each signature verified')
  t.equal(hook.refused(), 0, 'none failed verification')
  t.ok(hook.verified.every((d) => d.type === 'job.complete' && d.path === '/vfs'))
  await waitFor(async () => (await Promise.all(ids.map((id) => notifyOf(stack, id)))).every((n) => n?.status === 'delivered') || undefined, 10_000, 'all shown delivered')

  const flakyJob = (await post(stack, { vendor: 'syncVendor' }, `${flaky.url}/flaky`)).body.request_id
  await waitFor(async () => (await notifyOf(stack, flakyJob))?.status === 'delivered' || undefined, 20_000, 'the flaky receiver served')
  const tries = flaky.verified.filter((d) => d.job === flakyJob)
  t.equal(tries.length, 3, 'three deliveries')
  t.equal(new Set(tries.map((d) => d.id)).size, 1, 'one webhook-id')
  t.same(await notifyOf(stack, flakyJob), { status: 'delivered', attempts: 3 })

  const redirected = (await post(stack, { vendor: 'syncVendor' }, `${flaky.url}/redirect`)).body.request_id
  await waitFor(async () => (await notifyOf(stack, redirected))?.status === 'failed' || undefined, 20_000, 'the redirect refused for good')
  t.match(await notifyOf(stack, redirected), { attempts: 4, last_error: 'the receiver answered 302 (a redirect, not followed)' })
  for (const url of ['http://169.254.169.254/latest/meta-data/', `${other.url}/direct`, 'file:///etc/passwd', `http://localhost:${okPort}/vfs`]) {
    const res = await post(stack, { vendor: 'syncVendor' }, url)
    t.same([res.status, res.body.code], [400, 'VFS_ERR_NOTIFY_URL'], `${url} refused at submission`)
  }
  t.equal(other.hits(), 0, 'the host behind the redirect and the port not allowed were never reached')
})

test('a receiver down while the API and the worker are SIGKILLed still gets every webhook once the service is back', { skip }, async (t) => {
  const port = await freePort()
  const hook = receiver(t, port)
  const stack = await startStack(t, {
    env: { NOTIFY_SECRET: SECRET, NOTIFY_ALLOWED_HOSTS: `127.0.0.1:${port}`, NOTIFY_RETRY_DELAYS: Array(120).fill('500ms').join(','), NOTIFY_LEASE_MS: '2000' },
    mockEnv: { MOCK_WEBHOOK_DELAY_MIN_MS: '20', MOCK_WEBHOOK_DELAY_MAX_MS: '100' }
  })
  const redis = redisClient(t, stack.redis.url)
  const worker = await stack.startWorker()
  const ids = await Promise.all(Array.from({ length: 30 }, async (_, i) => (await post(stack, { vendor: i % 2 === 0 ? 'syncVendor' : 'asyncVendor', i }, `${hook.url}/vfs`)).body.request_id))
  await allEnded(stack, redis, ids, 30_000)
  await new Promise((resolve) => setTimeout(resolve, 700))
  const tried = (await Promise.all(ids.map((id) => notifyOf(stack, id)))).filter((n) => (n?.attempts ?? 0) > 0).length
  t.ok(tried > 0, `the worker tried the down receiver (${tried} webhooks tried)`)
  t.equal(await worker.stop('SIGKILL'), null)
  t.equal(await stack.api.stop('SIGKILL'), null)

  await hook.listen()
  await stack.restartApi()
  await stack.startWorker()
  await waitFor(async () => new Set(hook.verified.map((d) => d.job)).size === ids.length || undefined, 100_000, 'every webhook after the restart')
  t.same([...new Set(hook.verified.map((d) => d.job))].sort(), [...ids].sort(), 'none lost')
  t.ok(hook.verified.length >= ids.length, `at least once (${hook.verified.length} deliveries for ${ids.length} jobs)`)
})

test('redis cluster: webhooks are delivered for jobs whose end and outbox live on different nodes', { skip: skipCluster }, async (t) => {
  const port = await freePort()
  const hook = receiver(t, port)
  await hook.listen()
  const stack = await startStack(t, {
    cluster: true,
    env: { NOTIFY_SECRET: SECRET, NOTIFY_ALLOWED_HOSTS: `127.0.0.1:${port}` },
    mockEnv: { MOCK_WEBHOOK_DELAY_MIN_MS: '20', MOCK_WEBHOOK_DELAY_MAX_MS: '100' }
  })
  await stack.startWorker()
  const ids = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await post(stack, { vendor: i % 2 === 0 ? 'syncVendor' : 'asyncVendor', i }, `${hook.url}/vfs`)).body.request_id))
  await waitFor(async () => new Set(hook.verified.map((d) => d.job)).size === ids.length || undefined, 60_000, 'every webhook')
  t.same([...new Set(hook.verified.map((d) => d.job))].sort(), [...ids].sort())
  const started = Date.now()
  const id = (await post(stack, { vendor: 'syncVendor' }, `${hook.url}/vfs`)).body.request_id
  await waitFor(async () => hook.verified.some((d) => d.job === id) || undefined, 10_000, 'one more')
  t.ok(Date.now() - started < 3_000, `sent at once, not at the outbox's recheck (${Date.now() - started} ms)`)
})
