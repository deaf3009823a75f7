import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { test } from 'tap'
import { createMemoryBackend } from '../../../core/backends/memory/index.js'
import type { Job } from '../../../core/job.js'
import { startNotifier } from '../../../core/notify/notifier.js'
import { type TestContext, waitFor } from '../../helper.js'

const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`
const quiet = { debug () {}, info () {}, warn () {}, error () {}, child () { return quiet } }

interface Received { headers: IncomingMessage['headers'], body: string, at: number }

/** A receiver on a free port: `answer` decides each reply; it keeps what it received and how many calls it had open at once. */
async function receiver (t: TestContext, answer: (n: number, res: ServerResponse) => void | Promise<void> = (_n, res) => { res.end('ok') }) {
  const received: Received[] = []
  let open = 0
  let maxOpen = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => { body += chunk })
    req.on('end', async () => {
      open++
      maxOpen = Math.max(maxOpen, open)
      received.push({ headers: req.headers, body, at: Date.now() })
      res.on('close', () => { open-- })
      await answer(received.length, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => {
    server.closeAllConnections()
    server.close(resolve)
  }))
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url: `http://${host}/hook`, host, received, maxOpen: () => maxOpen }
}

async function setup (t: TestContext, allowedHosts: string[], opts: { retryDelaysMs?: number[], perEndpoint?: number, secret?: string, leaseMs?: number } = {}) {
  const backend = createMemoryBackend({ leaseMs: 30_000, marginMs: 0 }, { maxJobs: 1000 })
  const notifier = startNotifier({
    store: backend.store,
    outbox: backend.outbox,
    teams: () => ['default'],
    settings: () => ({ allowedHosts, ...(opts.secret === null ? {} : { secret: opts.secret ?? SECRET }) }),
    view: (job) => ({ request_id: job.id, status: job.status }),
    retryDelaysMs: opts.retryDelaysMs ?? [50, 50],
    log: quiet,
    ...(opts.perEndpoint === undefined ? {} : { perEndpoint: opts.perEndpoint }),
    ...(opts.leaseMs === undefined ? {} : { leaseMs: opts.leaseMs })
  })
  t.teardown(async () => {
    await notifier.stop()
    await backend.close()
  })
  /** A job that asked for a webhook to `url`, ended now. */
  const end = async (url: string, status: 'complete' | 'failed' = 'complete'): Promise<Job> => {
    const now = Date.now()
    const job: Job = { id: randomUUID(), vendor: 'v', team: 'default', status: 'pending', payload: {}, attempts: 0, createdAt: now, updatedAt: now, notify: { url, status: 'pending', attempts: 0 } }
    await backend.store.create(job)
    await backend.store.transition(job.id, 'pending', status === 'complete' ? { status: 'processing' } : { status: 'failed', error: 'no' })
    if (status === 'complete') await backend.store.transition(job.id, 'processing', { status: 'complete', result: { ok: 1 } })
    return job
  }
  const notifyOf = async (id: string) => (await backend.store.get(id))?.notify
  return { backend, end, notifyOf }
}

test("a job's end is POSTed to its receiver, signed as Standard Webhooks, and recorded as delivered", async (t) => {
  const hook = await receiver(t)
  const { backend, end, notifyOf } = await setup(t, [hook.host])
  const job = await end(hook.url)
  await waitFor(async () => (await notifyOf(job.id))?.status === 'delivered' || undefined, 5_000, 'delivered')
  t.same(await notifyOf(job.id), { url: hook.url, status: 'delivered', attempts: 1 })
  const endedAt = (await backend.store.get(job.id))?.endedAt
  const [got] = hook.received
  if (got === undefined) return t.fail('nothing received')
  const verified = new Webhook(SECRET).verify(got.body, got.headers as Record<string, string>) as { type: string, timestamp: string, data: { request_id: string } }
  t.match(verified, { type: 'job.complete', data: { request_id: job.id, status: 'complete' } })
  t.equal(Date.parse(verified.timestamp), endedAt, 'dated at the end')
  t.equal(got.headers['webhook-id'], `msg_${job.id}_${endedAt}`, "one id per end of the job")
  t.throws(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(got.body, got.headers as Record<string, string>), 'another secret does not verify it')
})

test('a receiver that fails twice gets three deliveries with one webhook-id, spaced by the retry delays', async (t) => {
  const hook = await receiver(t, (n, res) => {
    res.statusCode = n <= 2 ? 503 : 204
    res.end()
  })
  const { end, notifyOf } = await setup(t, [hook.host], { retryDelaysMs: [200, 200, 200] })
  const job = await end(hook.url, 'failed')
  await waitFor(async () => (await notifyOf(job.id))?.status === 'delivered' || undefined, 5_000, 'delivered')
  t.equal(hook.received.length, 3)
  t.equal(new Set(hook.received.map((r) => r.headers['webhook-id'])).size, 1, 'one webhook-id')
  t.ok((hook.received[1]?.at ?? 0) - (hook.received[0]?.at ?? 0) >= 190, 'the retry waited its delay')
  t.match(JSON.parse(hook.received[2]?.body ?? '{}'), { type: 'job.failed' })
  t.same(await notifyOf(job.id), { url: hook.url, status: 'delivered', attempts: 3 })
})

test('a webhook whose retries are all spent failed for good, with why', async (t) => {
  const hook = await receiver(t, (_n, res) => {
    res.statusCode = 500
    res.end()
  })
  const { end, notifyOf } = await setup(t, [hook.host], { retryDelaysMs: [20] })
  const job = await end(hook.url)
  await waitFor(async () => (await notifyOf(job.id))?.status === 'failed' || undefined, 5_000, 'failed')
  t.same(await notifyOf(job.id), { url: hook.url, status: 'failed', attempts: 2, lastError: 'the receiver answered 500' })
  t.equal(hook.received.length, 2)
})

test('a redirect is never followed: the host it names is never reached', async (t) => {
  const elsewhere = await receiver(t)
  const hook = await receiver(t, (_n, res) => {
    res.statusCode = 302
    res.setHeader('location', elsewhere.url)
    res.end()
  })
  const { end, notifyOf } = await setup(t, [hook.host, elsewhere.host], { retryDelaysMs: [] })
  const job = await end(hook.url)
  await waitFor(async () => (await notifyOf(job.id))?.status === 'failed' || undefined, 5_000, 'failed')
  t.match(await notifyOf(job.id), { lastError: 'the receiver answered 302 (a redirect, not followed)' })
  t.equal(hook.received.length, 1)
  t.equal(elsewhere.received.length, 0, 'the redirect target was never called')
})

test('a URL no longer allowed, or a team with no secret, is not called: the webhook fails for good with why', async (t) => {
  const hook = await receiver(t)
  const { end, notifyOf } = await setup(t, [])
  const job = await end(hook.url)
  await waitFor(async () => (await notifyOf(job.id))?.status === 'failed' || undefined, 5_000, 'failed')
  t.match(await notifyOf(job.id), { lastError: /^not sent: its host 127\.0\.0\.1:\d+ is not one the operator allowed/ })
  t.equal(hook.received.length, 0)
})

test('a slow receiver holds only its own tries: another receiver is served meanwhile', async (t) => {
  const slow = await receiver(t, async (_n, res) => {
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    res.end()
  })
  const fast = await receiver(t)
  const { end, notifyOf } = await setup(t, [slow.host, fast.host], { perEndpoint: 2 })
  const slowJobs = await Promise.all(Array.from({ length: 6 }, () => end(slow.url)))
  const fastJobs = await Promise.all(Array.from({ length: 6 }, () => end(fast.url)))
  const started = Date.now()
  await waitFor(async () => (await Promise.all(fastJobs.map((j) => notifyOf(j.id)))).every((n) => n?.status === 'delivered') || undefined, 5_000, 'fast ones delivered')
  t.ok(Date.now() - started < 1_500, `the fast receiver's webhooks did not wait behind the slow one's (${Date.now() - started} ms)`)
  await waitFor(async () => (await Promise.all(slowJobs.map((j) => notifyOf(j.id)))).every((n) => n?.status === 'delivered') || undefined, 10_000, 'slow ones delivered')
  t.equal(slow.maxOpen(), 2, 'the slow receiver had at most its share of tries at once')
})

test('a try gets at most half its lease: a receiver that never answers is cut off then, and no try overlaps another', async (t) => {
  const silent = await receiver(t, () => new Promise(() => {}))
  const { end, notifyOf } = await setup(t, [silent.host], { leaseMs: 1_000, retryDelaysMs: [100] })
  const job = await end(silent.url)
  await waitFor(async () => (await notifyOf(job.id))?.status === 'failed' || undefined, 5_000, 'both tries cut off')
  const notify = await notifyOf(job.id)
  t.match(notify, { attempts: 2, lastError: 'no answer within 0.5 s' }, 'each try was given half the lease')
  t.equal(silent.received.length, 2, 'two tries, one per lease')
  t.equal(silent.maxOpen(), 1, 'never two at once: each try ended within its lease')
})

test("an outbox entry of a job that has not ended is looked at again later, and sent once the job ended", async (t) => {
  const hook = await receiver(t)
  const { backend, notifyOf } = await setup(t, [hook.host])
  const now = Date.now()
  const job: Job = { id: randomUUID(), vendor: 'v', team: 'default', status: 'pending', payload: {}, attempts: 0, createdAt: now, updatedAt: now, notify: { url: hook.url, status: 'pending', attempts: 0 } }
  await backend.store.create(job)
  await backend.outbox.schedule('default', [{ id: job.id, at: now }])
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(hook.received.length, 0, 'nothing sent before the end')
  const lease = await backend.outbox.lease('default', Date.now(), 10, 1_000)
  t.same(lease.ids, [], 'its entry was put off')
  t.ok((lease.next ?? 0) >= now + 9_000, 'by the recheck delay')
  await backend.store.transition(job.id, 'pending', { status: 'failed', error: 'no' })
  await waitFor(async () => (await notifyOf(job.id))?.status === 'delivered' || undefined, 5_000, 'delivered')
  t.equal(hook.received.length, 1)
})
