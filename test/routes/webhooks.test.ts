import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import { sign } from '../../vendors/signature.js'
import { buildLoggedTestApp, buildTestApp, SECRET, testConfig, type TestContext } from '../helper.js'

const OTHER_SECRET = 'other-vendor-secret'

/** An app whose worker is off, so that the test plays the worker's part on the store. */
async function setup (t: TestContext) {
  const config = testConfig({ WORKER: 'off' }, {
    otherAsync: { mode: 'async', url: 'http://127.0.0.1:9', webhookSecret: OTHER_SECRET }
  })
  const app = await buildTestApp(t, config)
  /** A job as the worker leaves it once the async vendor accepted the call. */
  const waitingJob = async (vendor = 'asyncVendor'): Promise<string> => {
    const res = await app.inject({ method: 'POST', url: '/jobs', payload: { vendor, q: 1 } })
    const id: string = res.json().request_id
    await app.backend.store.transition(id, 'pending', { status: 'processing', attempts: 1 })
    return id
  }
  const webhook = (body: unknown, opts: { vendor?: string, secret?: string, signature?: string | null, at?: number } = {}) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body)
    const signature = opts.signature === undefined ? sign(opts.secret ?? SECRET, raw, opts.at) : opts.signature
    return app.inject({
      method: 'POST',
      url: `/vendor-webhook/${opts.vendor ?? 'asyncVendor'}`,
      headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-signature': signature }) },
      payload: raw
    })
  }
  return { app, waitingJob, webhook }
}

test('a signed webhook completes the waiting job with its result', async (t) => {
  const { app, waitingJob, webhook } = await setup(t)
  const id = await waitingJob()
  const res = await webhook({ request_id: id, result: { rows: [1, 2] } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { request_id: id, outcome: 'applied', status: 'complete' })
  const job = (await app.inject({ method: 'GET', url: `/jobs/${id}` })).json()
  t.match(job, { status: 'complete', result: { rows: [1, 2] }, attempts: 1 })
})

test('a webhook carrying an error fails the job with it', async (t) => {
  const { app, waitingJob, webhook } = await setup(t)
  const id = await waitingJob()
  t.equal((await webhook({ request_id: id, error: 'no such user' })).json().status, 'failed')
  t.match(await app.backend.store.get(id), { status: 'failed', error: 'no such user' })
})

test('the same webhook twice is one transition: the second is a 200 duplicate that changes nothing', async (t) => {
  const { app, waitingJob, webhook } = await setup(t)
  const id = await waitingJob()
  const body = { request_id: id, result: { a: 1 } }
  await webhook(body)
  const before = await app.backend.store.get(id)
  const again = await webhook(body)
  t.equal(again.statusCode, 200)
  t.same(again.json(), { request_id: id, outcome: 'duplicate', status: 'complete' })
  t.same(await app.backend.store.get(id), before)
})

test('a different outcome after the job ended is a 409 and the job keeps its first outcome', async (t) => {
  const { app, waitingJob, webhook } = await setup(t)
  const id = await waitingJob()
  await webhook({ request_id: id, result: { a: 1 } })
  const late = await webhook({ request_id: id, result: { a: 2 } })
  t.equal(late.statusCode, 409)
  t.equal(late.json().code, 'VFS_ERR_NOT_WAITING')
  t.same((await app.backend.store.get(id))?.result, { a: 1 })
})

test('a webhook after the callback deadline failed the job is a 409 and the job stays failed', async (t) => {
  const { app, waitingJob, webhook } = await setup(t)
  const id = await waitingJob()
  await app.backend.store.transition(id, 'processing', { status: 'failed', error: 'callback timed out' })
  const res = await webhook({ request_id: id, result: { a: 1 } })
  t.equal(res.statusCode, 409)
  t.match(await app.backend.store.get(id), { status: 'failed', error: 'callback timed out' })
})

test('a webhook for a job not yet called is a 409', async (t) => {
  const { app, webhook } = await setup(t)
  const id = (await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'asyncVendor' } })).json().request_id
  t.equal((await webhook({ request_id: id, result: {} })).statusCode, 409)
  t.equal((await app.backend.store.get(id))?.status, 'pending')
})

test("a webhook for another vendor's job is a 409", async (t) => {
  const { app, waitingJob, webhook } = await setup(t)
  const id = await waitingJob('otherAsync')
  const res = await webhook({ request_id: id, result: {} }, { vendor: 'asyncVendor' })
  t.equal(res.statusCode, 409)
  t.equal(res.json().code, 'VFS_ERR_WRONG_VENDOR')
  t.equal((await app.backend.store.get(id))?.status, 'processing')
})

test('an unknown vendor, or one that does not call back, is a 404 before anything else is checked', async (t) => {
  const { webhook } = await setup(t)
  for (const vendor of ['nobody', 'syncVendor']) {
    const res = await webhook('{not json', { vendor, signature: null })
    t.equal(res.statusCode, 404, vendor)
    t.equal(res.json().code, 'VFS_ERR_WEBHOOK_VENDOR_NOT_FOUND')
  }
})

test('a missing, wrong, stale or foreign signature is a 401, checked before the body', async (t) => {
  const { app, waitingJob, webhook } = await setup(t)
  const id = await waitingJob()
  const body = { request_id: id, result: { a: 1 } }
  const cases = {
    missing: await webhook(body, { signature: null }),
    garbage: await webhook(body, { signature: 'nonsense' }),
    'wrong secret': await webhook(body, { secret: 'not-the-secret' }),
    "another vendor's secret": await webhook(body, { secret: OTHER_SECRET }),
    stale: await webhook(body, { at: Math.floor(Date.now() / 1000) - 301 }),
    'unsigned malformed body': await webhook('{not json', { signature: null })
  }
  for (const [what, res] of Object.entries(cases)) {
    t.equal(res.statusCode, 401, what)
    t.equal(res.json().code, 'VFS_ERR_BAD_SIGNATURE', what)
  }
  t.equal((await app.backend.store.get(id))?.status, 'processing', 'nothing changed')
})

test('a signed body that is not JSON or not the webhook shape is a 400', async (t) => {
  const { app, waitingJob, webhook } = await setup(t)
  const id = await waitingJob()
  for (const body of ['{not json', '[]', '"x"', JSON.stringify({ result: {} }), JSON.stringify({ request_id: 'nope' }), JSON.stringify({ request_id: id, error: 5 })]) {
    const res = await webhook(body)
    t.equal(res.statusCode, 400, body)
    t.same(Object.keys(res.json()).sort(), ['code', 'error', 'message', 'statusCode'])
  }
  t.equal((await app.backend.store.get(id))?.status, 'processing', 'nothing changed')
})

test('a form of more than 1,000 fields is never parsed: a 401 unsigned, a 400 signed, and nothing changes', async (t) => {
  const { app, waitingJob } = await setup(t)
  const id = await waitingJob()
  const raw = `request_id=${id}&${'a=1&'.repeat(5000)}`
  const post = (signature?: string) => app.inject({
    method: 'POST',
    url: '/vendor-webhook/asyncVendor',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === undefined ? {} : { 'x-signature': signature }) },
    payload: raw
  })
  t.equal((await post()).statusCode, 401)
  const signed = await post(sign(SECRET, raw))
  t.same([signed.statusCode, signed.json().code, signed.json().message], [400, 'VFS_ERR_UNREADABLE_WEBHOOK', 'webhook body cannot be read: a form holds at most 1000 fields'])
  t.equal((await app.backend.store.get(id))?.status, 'processing', 'nothing changed')
})

test('a signed webhook for an unknown job is a 404', async (t) => {
  const { webhook } = await setup(t)
  const res = await webhook({ request_id: randomUUID(), result: {} })
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, 'VFS_ERR_JOB_NOT_FOUND')
})

test('a webhook that is not JSON at all is a 415', async (t) => {
  const { app } = await setup(t)
  const res = await app.inject({ method: 'POST', url: '/vendor-webhook/asyncVendor', headers: { 'content-type': 'text/plain' }, payload: 'hi' })
  t.equal(res.statusCode, 415)
})

test('a signed webhook with no body or an empty one is a 401, never a 500, and logs no error', async (t) => {
  const { app, logs } = await buildLoggedTestApp(t, testConfig({ WORKER: 'off' }))
  const signature = sign(SECRET, '')
  const requests = {
    'no body, no content type': { headers: { 'x-signature': signature } },
    'an empty JSON body': { headers: { 'x-signature': signature, 'content-type': 'application/json' }, payload: '' }
  }
  for (const [what, request] of Object.entries(requests)) {
    const res = await app.inject({ method: 'POST', url: '/vendor-webhook/asyncVendor', ...request })
    t.equal(res.statusCode, 401, what)
    t.match(res.json(), { code: 'VFS_ERR_BAD_SIGNATURE', message: 'webhook rejected: missing or empty body' }, what)
  }
  t.same(logs.filter((l) => Number(l.level) >= 50), [], 'no error line')
})

test('a signed webhook whose result has a key the store cannot hold is a 400 and the job keeps waiting', async (t) => {
  const { app, waitingJob, webhook } = await setup(t)
  const id = await waitingJob()
  const res = await webhook(`{"request_id":"${id}","result":{"a\\u0000":1}}`)
  t.equal(res.statusCode, 400)
  t.equal(res.json().code, 'VFS_ERR_FORBIDDEN_KEY')
  t.equal((await app.backend.store.get(id))?.status, 'processing')
})

test('a signed webhook nested deeper than 64 levels is a 400 and the job keeps waiting', async (t) => {
  const { app, waitingJob, webhook } = await setup(t)
  const id = await waitingJob()
  const res = await webhook(`{"request_id":"${id}","result":${'['.repeat(5_000)}${']'.repeat(5_000)}}`)
  t.equal(res.statusCode, 400)
  t.equal(res.json().code, 'VFS_ERR_JSON_TOO_DEEP')
  t.equal((await app.backend.store.get(id))?.status, 'processing')
})
