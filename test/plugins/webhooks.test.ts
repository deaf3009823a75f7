import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import { test } from 'tap'
import { request } from 'undici'
import type { WebhookSignature } from '../../vendors/adapters/entry.js'
import { createSigner } from '../../vendors/adapters/signatures.js'
import type { VendorEntry } from '../../vendors/config.js'
import { listenTestApp, SECRET, type TestContext, waitFor } from '../helper.js'
import { ended, EXAMPLE, exampleVendors, getJob, postJob, SECRETS, startDialectMocks, useSecrets } from '../dialects.js'

useSecrets()

const STRIPE: WebhookSignature = { scheme: 'stripe' }
const STANDARD: WebhookSignature = { scheme: 'standard-webhooks' }
const GITHUB: WebhookSignature = { scheme: 'hmac', header: 'X-Hub-Signature-256', encoding: 'hex', prefix: 'sha256=' }

/** An async vendor of the test's own: answers each call 202 (with an id of its own, `v-<n>`) and keeps what it was sent. */
async function recordingVendor (t: TestContext): Promise<{ url: string, calls: Array<Record<string, unknown>> }> {
  const calls: Array<Record<string, unknown>> = []
  const vendor = Fastify()
  vendor.post('/*', async (req, reply) => {
    calls.push(req.body as Record<string, unknown>)
    return reply.code(202).send({ id: `v-${calls.length}` })
  })
  t.teardown(() => vendor.close())
  return { url: await vendor.listen({ port: 0, host: '127.0.0.1' }), calls }
}

/** Posts `body` to a callback URL, signed by `signature` with `secret`. */
async function callBack (url: string, signature: WebhookSignature, secret: string, body: unknown, tamper = false): Promise<{ status: number, code?: string }> {
  const raw = JSON.stringify(body)
  const headers = createSigner(signature, secret)(raw, { id: `msg_${randomUUID()}` })
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: tamper ? raw.replace('}', ',"x":1}') : raw })
  const json = await res.body.json() as { code?: string }
  return { status: res.statusCode, ...(json.code === undefined ? {} : { code: json.code }) }
}

async function retry (base: string, id: string): Promise<number> {
  const res = await request(`${base}/jobs/${id}/retry`, { method: 'POST' })
  await res.body.dump()
  return res.statusCode
}

test('a callback naming our id for an earlier attempt, after POST /jobs/{id}/retry, is a 409 and the job waits for the attempt it made', async (t) => {
  const vendor = await recordingVendor(t)
  const { url } = await listenTestApp(t, {}, { ownProtocol: { mode: 'async', url: vendor.url, webhookSecret: SECRET } })
  const id = await postJob(url, { vendor: 'ownProtocol', q: 1 })
  await waitFor(async () => vendor.calls.length === 1 || undefined, 5_000, 'the first call')
  const first = String(vendor.calls[0]?.callback_url)
  t.match(first, /\/vendor-webhook\/ownProtocol\?ref=/, "the callback URL names the attempt's call")
  t.match(await callBack(first, STRIPE, SECRET, { request_id: id, error: 'try again later' }), { status: 200 })
  t.match(await ended(url, id), { status: 'failed', error: 'try again later' })

  t.equal(await retry(url, id), 202)
  await waitFor(async () => vendor.calls.length === 2 || undefined, 5_000, 'the second call')
  const second = String(vendor.calls[1]?.callback_url)
  t.not(second, first)
  t.same(await callBack(first, STRIPE, SECRET, { request_id: id, result: { late: 'attempt 1' } }), { status: 409, code: 'VFS_ERR_STALE_CALLBACK' })
  t.equal((await getJob(url, id)).job.status, 'processing', 'the job still waits')
  t.match(await callBack(second, STRIPE, SECRET, { request_id: id, result: { from: 'attempt 2' } }), { status: 200 })
  t.match(await ended(url, id), { status: 'complete', attempts: 1, result: { from: 'attempt 2' } })
})

test("a callback naming the vendor's own id of an earlier attempt, after POST /jobs/{id}/retry, is a 409; the new id's completes the job", async (t) => {
  const vendor = await recordingVendor(t)
  const entry: VendorEntry = { ...EXAMPLE.enrichVendor, url: vendor.url }
  const { url } = await listenTestApp(t, {}, { ownIds: entry })
  const hook = `${url}/vendor-webhook/ownIds`
  const secret = SECRETS.ENRICH_WEBHOOK_SECRET
  const id = await postJob(url, { vendor: 'ownIds', email: 'a@b.io' })
  await waitFor(async () => vendor.calls.length === 1 || undefined, 5_000, 'the first call')
  t.match(await callBack(hook, STANDARD, secret, { type: 'job.failed', data: { id: 'v-1', reason: 'busy' } }), { status: 200 })
  t.match(await ended(url, id), { status: 'failed', error: 'busy' })

  t.equal(await retry(url, id), 202)
  await waitFor(async () => vendor.calls.length === 2 || undefined, 5_000, 'the second call')
  t.same(await callBack(hook, STANDARD, secret, { type: 'job.completed', data: { id: 'v-1', output: { late: true } } }), { status: 409, code: 'VFS_ERR_STALE_CALLBACK' })
  t.equal((await getJob(url, id)).job.status, 'processing', 'the job still waits')
  t.match(await callBack(hook, STANDARD, secret, { type: 'job.completed', data: { id: 'v-2', output: { fresh: true } } }), { status: 200 })
  t.match(await ended(url, id), { status: 'complete', result: { fresh: true } })
})

test('callbacks sent before the vendor has answered the call (the enrich mocks at an early rate of 1) still complete their jobs', async (t) => {
  const { urls } = await startDialectMocks(t, { faults: { webhookEarlyRate: 1 } })
  const { url } = await listenTestApp(t, {}, exampleVendors({ enrichVendor: urls.enrichVendor, enrichHmacVendor: urls.enrichHmacVendor }))
  for (const vendor of ['enrichVendor', 'enrichHmacVendor'] as const) {
    const ids = await Promise.all([1, 2, 3].map((n) => postJob(url, { vendor, n })))
    for (const id of ids) t.match(await ended(url, id, 5_000), { status: 'complete', attempts: 1, result: { enriched: true } }, vendor)
    const stats = await request(`${urls[vendor]}/admin/stats`).then((res) => res.body.json()) as { webhooksSent: number, webhooksRejected: number }
    t.match(stats, { webhooksSent: 3, webhooksRejected: 0 }, `${vendor}'s callbacks were each taken at once`)
  }
})

test('a callback signed with the wrong secret, tampered with or unsigned is a 401 by every scheme; the right signature passes', async (t) => {
  const { url } = await listenTestApp(t, { WORKER: 'off' }, {
    ownProtocol: { mode: 'async', url: 'http://127.0.0.1:9', webhookSecret: SECRET },
    ...exampleVendors({ enrichVendor: 'http://127.0.0.1:9', enrichHmacVendor: 'http://127.0.0.1:9' })
  })
  const unknown = { type: 'job.completed', data: { id: 'v-unknown', output: {} } }
  const cases = [
    { vendor: 'ownProtocol', signature: STRIPE, secret: SECRET, body: { request_id: randomUUID(), result: {} } },
    { vendor: 'enrichVendor', signature: STANDARD, secret: SECRETS.ENRICH_WEBHOOK_SECRET, body: unknown },
    { vendor: 'enrichHmacVendor', signature: GITHUB, secret: SECRETS.ENRICH_HMAC_SECRET, body: unknown }
  ]
  await Promise.all(cases.map(async ({ vendor, signature, secret, body }) => {
    const hook = `${url}/vendor-webhook/${vendor}`
    const wrong = signature.scheme === 'standard-webhooks' ? `whsec_${Buffer.from('not the secret').toString('base64')}` : 'not-the-secret'
    t.same(await callBack(hook, signature, wrong, body), { status: 401, code: 'VFS_ERR_BAD_SIGNATURE' }, `${vendor}: wrong secret`)
    t.same(await callBack(hook, signature, secret, body, true), { status: 401, code: 'VFS_ERR_BAD_SIGNATURE' }, `${vendor}: tampered body`)
    const unsigned = await request(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    t.same([unsigned.statusCode, (await unsigned.body.json() as { code: string }).code], [401, 'VFS_ERR_BAD_SIGNATURE'], `${vendor}: unsigned`)
    t.same(await callBack(hook, signature, secret, body), { status: 404, code: 'VFS_ERR_JOB_NOT_FOUND' }, `${vendor}: signed right, for no job we know`)
  }))
})

test('a callback whose URL lost its ref cannot end a later attempt: a replay of the first one after a retry is a 409', async (t) => {
  const vendor = await recordingVendor(t)
  const { url } = await listenTestApp(t, {}, { ownProtocol: { mode: 'async', url: vendor.url, webhookSecret: SECRET } })
  const id = await postJob(url, { vendor: 'ownProtocol', q: 1 })
  await waitFor(async () => vendor.calls.length === 1 || undefined, 5_000, 'the first call')
  const first = String(vendor.calls[0]?.callback_url)
  const firstBody = { request_id: id, error: 'try again later' }
  t.match(await callBack(first, STRIPE, SECRET, firstBody), { status: 200 })
  t.equal(await retry(url, id), 202)
  await waitFor(async () => vendor.calls.length === 2 || undefined, 5_000, 'the second call')
  const bare = first.replace(/\?ref=.*$/, '')
  t.same(await callBack(bare, STRIPE, SECRET, firstBody), { status: 409, code: 'VFS_ERR_CALLBACK_WITHOUT_REF' }, 'the first attempt\'s callback replayed without its ref')
  t.same(await callBack(bare, STRIPE, SECRET, { request_id: id, result: { forged: true } }), { status: 409, code: 'VFS_ERR_CALLBACK_WITHOUT_REF' })
  t.equal((await getJob(url, id)).job.status, 'processing', 'the job still waits for its second attempt')
  t.match(await callBack(String(vendor.calls[1]?.callback_url), STRIPE, SECRET, { request_id: id, result: { from: 'attempt 2' } }), { status: 200 })
  t.match(await ended(url, id), { status: 'complete', result: { from: 'attempt 2' } })
  t.same(await callBack(bare, STRIPE, SECRET, { request_id: id, result: { from: 'attempt 2' } }), { status: 200 }, 'a repeat of what is recorded stays a harmless duplicate')
})

test('a vendor id holding a lone surrogate is kept well formed, and its callback still finds and ends the job', async (t) => {
  const vendor = Fastify()
  vendor.post('/*', async (_req, reply) => reply.code(202).type('application/json').send('{"id":"v-\\ud800"}'))
  t.teardown(() => vendor.close())
  const entry: VendorEntry = { ...EXAMPLE.enrichVendor, url: await vendor.listen({ port: 0, host: '127.0.0.1' }) }
  const { url } = await listenTestApp(t, {}, { oddIds: entry })
  const id = await postJob(url, { vendor: 'oddIds', email: 'a@b.io' })
  await waitFor(async () => (await getJob(url, id)).job.attempts === 1 || undefined, 5_000, 'the acceptance')
  const hook = `${url}/vendor-webhook/oddIds`
  t.match(await callBack(hook, STANDARD, SECRETS.ENRICH_WEBHOOK_SECRET, { type: 'job.completed', data: { id: 'v-\ud800', output: { ok: 1 } } }), { status: 200 })
  t.match(await ended(url, id), { status: 'complete', result: { ok: 1 } })
})
