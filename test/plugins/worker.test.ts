import Fastify from 'fastify'
import { test } from 'tap'
import { request } from 'undici'
import { sign } from '../../vendors/signature.js'
import { listenTestApp, SECRET, startMocks, type TestContext, waitFor } from '../helper.js'

async function post (url: string, body: unknown): Promise<string> {
  const res = await request(`${url}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const json = await res.body.json() as { request_id: string }
  return json.request_id
}

async function jobOf (url: string, id: string): Promise<Record<string, unknown>> {
  const res = await request(`${url}/jobs/${id}`)
  return await res.body.json() as Record<string, unknown>
}

const until = (url: string, id: string, status: string, timeoutMs = 10_000) =>
  waitFor(async () => {
    const job = await jobOf(url, id)
    return job.status === status ? job : undefined
  }, timeoutMs, `job ${id} to be ${status}`)

/** A one-route vendor of the test's own making, for behaviour the mocks do not have. */
async function customVendor (t: TestContext, handler: (body: { request_id: string, callback_url?: string }) => Promise<{ status: number, body: unknown }>): Promise<string> {
  const vendor = Fastify()
  vendor.post('/', async (req, reply) => {
    const { status, body } = await handler(req.body as { request_id: string, callback_url?: string })
    return reply.code(status).send(body)
  })
  t.teardown(() => vendor.close())
  return vendor.listen({ port: 0, host: '127.0.0.1' })
}

test('a sync job completes with the vendor result and one call', async (t) => {
  const mocks = await startMocks(t)
  const { url } = await listenTestApp(t, {}, mocks.vendors)
  const id = await post(url, { vendor: 'syncVendor', type: 'user_data', userId: 123 })
  const job = await until(url, id, 'complete')
  t.match(job, { attempts: 1, result: { request_id: id } })
  t.notOk('error' in job)
})

test('an async job completes when the signed webhook comes back', async (t) => {
  const mocks = await startMocks(t)
  const { url } = await listenTestApp(t, {}, mocks.vendors)
  const id = await post(url, { vendor: 'asyncVendor', type: 'user_data', userId: 7 })
  const job = await until(url, id, 'complete')
  t.match(job, { attempts: 1, result: { request_id: id } })
})

test('a vendor answering garbage fails the job with a readable error, and the worker goes on', async (t) => {
  const mocks = await startMocks(t, { malformedRate: 1 })
  const vendors = { ...mocks.vendors, syncVendor: { ...mocks.vendors.syncVendor, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } } }
  const { url } = await listenTestApp(t, {}, vendors)
  const ids = await Promise.all([1, 2, 3].map(() => post(url, { vendor: 'syncVendor' })))
  for (const id of ids) {
    const job = await until(url, id, 'failed')
    t.equal(job.attempts, 3)
    t.match(job.error, /^syncVendor answered 200 with (a body that is not JSON|JSON that is not an object).*\(after 3 attempts\)$/)
  }
  await mocks.sync.inject({ method: 'PUT', url: '/admin/faults', payload: { malformedRate: 0 } })
  await until(url, await post(url, { vendor: 'syncVendor' }), 'complete')
})

test('in embedded mode a job whose processing throws outside the vendor call fails with a readable error at once, and the worker goes on', async (t) => {
  const calls: string[] = []
  const vendorUrl = await customVendor(t, async ({ request_id: id }) => {
    calls.push(id)
    return { status: 200, body: { id } }
  })
  const { app, url } = await listenTestApp(t, {}, { syncVendor: { url: vendorUrl } })
  const { store } = app.backend
  const settle = store.settle.bind(store)
  let broken = true
  store.settle = async (id, holder, change) => {
    // The write of the call's outcome breaks, not that of a call that left late and went back for a new grant.
    if (broken && change.status !== undefined) {
      broken = false
      throw new Error('the store refused the write')
    }
    return settle(id, holder, change)
  }
  const id = await post(url, { vendor: 'syncVendor' })
  const job = await until(url, id, 'failed', 5_000)
  t.match(job, { attempts: 1, error: 'internal error while processing the job: the store refused the write' })
  t.same(calls, [id], 'called once, not again at each lease takeover')
  const next = await post(url, { vendor: 'syncVendor' })
  t.match(await until(url, next, 'complete', 5_000), { result: { id: next } })
})

test('a vendor refusing the call with a 4xx fails the job at once, without retries', async (t) => {
  let calls = 0
  const vendorUrl = await customVendor(t, async () => {
    calls++
    return { status: 422, body: { message: 'userId must be a number' } }
  })
  const { url } = await listenTestApp(t, {}, { syncVendor: { url: vendorUrl } })
  const job = await until(url, await post(url, { vendor: 'syncVendor', userId: 'x' }), 'failed')
  t.equal(job.attempts, 1)
  t.equal(calls, 1)
  t.match(job.error, 'syncVendor rejected the call with 422: {"message":"userId must be a number"}')
})

test('an async job whose webhook never comes fails at its callback deadline', async (t) => {
  const mocks = await startMocks(t, { webhookDropRate: 1 })
  const vendors = { ...mocks.vendors, asyncVendor: { ...mocks.vendors.asyncVendor, callbackTimeoutMs: 300 } }
  const { url } = await listenTestApp(t, {}, vendors)
  const started = Date.now()
  const job = await until(url, await post(url, { vendor: 'asyncVendor' }), 'failed')
  t.ok(Date.now() - started >= 300, 'not before the deadline')
  t.match(job.error, /^callback timed out: asyncVendor did not call back in time/)
})

test('a webhook that arrives before the worker recorded the acceptance still completes the job', async (t) => {
  let webhookStatus = 0
  const vendorUrl = await customVendor(t, async ({ request_id: id, callback_url: callbackUrl }) => {
    // Call back first, and only then answer the call: the worker has not seen the 202 yet.
    const raw = JSON.stringify({ request_id: id, result: { early: true } })
    const res = await request(callbackUrl ?? '', { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': sign(SECRET, raw) }, body: raw })
    webhookStatus = res.statusCode
    await res.body.dump()
    return { status: 202, body: { accepted: true } }
  })
  const { app, url } = await listenTestApp(t, {}, { asyncVendor: { url: vendorUrl, callbackTimeoutMs: 200 } })
  const id = await post(url, { vendor: 'asyncVendor' })
  const job = await until(url, id, 'complete')
  t.equal(webhookStatus, 200)
  t.match(job, { result: { early: true }, attempts: 1 })
  await new Promise((resolve) => setTimeout(resolve, 400))
  t.equal((await app.backend.store.get(id))?.status, 'complete', 'the deadline sweeper leaves a completed job alone')
})

test('calls to a vendor stay within its rate limit, seen from the vendor', async (t) => {
  const mocks = await startMocks(t)
  const vendors = { ...mocks.vendors, syncVendor: { ...mocks.vendors.syncVendor, rateLimit: { perSecond: 20, burst: 5 } } }
  const { url } = await listenTestApp(t, {}, vendors)
  const started = Date.now()
  const ids = await Promise.all(Array.from({ length: 60 }, () => post(url, { vendor: 'syncVendor' })))
  for (const id of ids) await until(url, id, 'complete')
  const stats = (await mocks.sync.inject({ method: 'GET', url: '/admin/stats' })).json()
  t.equal(stats.received, 60)
  t.ok(stats.maxPerSecond <= 25, `busiest second at the vendor: ${stats.maxPerSecond}`)
  t.ok(Date.now() - started >= 1500, '60 calls at 20/s with a burst of 5 cannot take less than 1.75 s')
})
