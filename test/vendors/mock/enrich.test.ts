import { once } from 'node:events'
import { createServer } from 'node:http'
import { test } from 'tap'
import { request } from 'undici'
import { createVerifier } from '../../../vendors/adapters/signatures.js'
import type { WebhookSignature } from '../../../vendors/adapters/entry.js'
import { buildMockEnrichVendor } from '../../../vendors/mock/enrich.js'
import type { MockFaults } from '../../../vendors/mock/faults.js'
import { startReceiver, type TestContext, until } from '../adapters/receiver.js'

const STANDARD: WebhookSignature = { scheme: 'standard-webhooks' }
const GITHUB: WebhookSignature = { scheme: 'hmac', header: 'X-Hub-Signature-256', encoding: 'hex', prefix: 'sha256=' }
const SECRETS = { 'standard-webhooks': `whsec_${Buffer.from('enrich test key').toString('base64')}`, hmac: 'enrich-hmac-key', stripe: 'unused' }
const AUTH = `Basic ${Buffer.from('user:pass').toString('base64')}`

async function startEnrich (t: TestContext, signature: WebhookSignature, faults: Partial<MockFaults> = {}) {
  const mock = buildMockEnrichVendor({
    username: 'user', password: 'pass', signature, webhookSecret: SECRETS[signature.scheme], faults: { webhookDelayMinMs: 5, webhookDelayMaxMs: 20, ...faults }
  })
  t.teardown(() => mock.close())
  return { mock, url: await mock.listen({ port: 0, host: '127.0.0.1' }) }
}

async function submit (url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${url}/v1/jobs`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: AUTH, ...headers }, body: JSON.stringify(body)
  })
  return { status: res.statusCode, body: await res.body.json() as Record<string, unknown> }
}

for (const signature of [STANDARD, GITHUB]) {
  test(`${signature.scheme}: accepted with 202 and the vendor's own id, then called back with that id, signed`, async (t) => {
    const { callbackUrl, deliveries } = await startReceiver(t)
    const { mock, url } = await startEnrich(t, signature)
    const res = await submit(url, { task: 'enrich', input: { name: 'Acme' }, notify_url: callbackUrl })
    t.equal(res.status, 202)
    t.match(res.body, { id: /^job_[0-9a-f]{16}$/, status: 'queued' })
    t.ok(await until(() => deliveries.length === 1))
    const delivery = deliveries[0]
    if (delivery === undefined) return
    t.same(JSON.parse(delivery.raw.toString()), { type: 'job.completed', data: { id: res.body.id, output: { name: 'Acme', enriched: true, score: 0.87 } } })
    t.same(await createVerifier(signature, SECRETS[signature.scheme])(delivery.raw, delivery.headers), { ok: true })
    t.ok(await until(async () => (await mock.inject({ method: 'GET', url: '/admin/stats' })).json().webhooksSent === 1), 'counted as sent')
  })
}

test('standard-webhooks: a retried delivery keeps its webhook-id, as receivers deduplicate by it', async (t) => {
  let answered = 0
  const { callbackUrl, deliveries } = await startReceiver(t, () => ({ status: answered++ === 0 ? 503 : 200, body: '{}' }))
  const { url } = await startEnrich(t, STANDARD)
  await submit(url, { task: 'enrich', input: {}, notify_url: callbackUrl })
  t.ok(await until(() => deliveries.length === 2), 'the 503 is retried')
  t.equal(deliveries[0]?.headers['webhook-id'], deliveries[1]?.headers['webhook-id'])
  t.match(deliveries[0]?.headers['webhook-id'], /^msg_/)
})

test('input asking for failure is called back as job.failed with a reason', async (t) => {
  const { callbackUrl, deliveries } = await startReceiver(t)
  const { url } = await startEnrich(t, STANDARD)
  const res = await submit(url, { task: 'enrich', input: { simulate: 'failure' }, notify_url: callbackUrl })
  t.ok(await until(() => deliveries.length === 1))
  t.same(JSON.parse(deliveries[0]?.raw.toString() ?? ''), { type: 'job.failed', data: { id: res.body.id, reason: 'the input could not be enriched' } })
})

test('the same Idempotency-Key gets the same job, answered 200, with one callback', async (t) => {
  const { callbackUrl, deliveries } = await startReceiver(t)
  const { mock, url } = await startEnrich(t, GITHUB)
  const body = { task: 'enrich', input: {}, notify_url: callbackUrl }
  const first = await submit(url, body, { 'idempotency-key': 'req-1' })
  const again = await submit(url, body, { 'idempotency-key': 'req-1' })
  const other = await submit(url, body, { 'idempotency-key': 'req-2' })
  t.equal(first.status, 202)
  t.same(again, { status: 200, body: first.body })
  t.not(other.body.id, first.body.id)
  t.ok(await until(() => deliveries.length === 2))
  await new Promise((resolve) => setTimeout(resolve, 60))
  t.equal(deliveries.length, 2)
  t.equal((await mock.inject({ method: 'GET', url: '/admin/stats?request_id=req-1' })).json().calls, 2)
})

test('wrong credentials are a 401, a call without notify_url a 400, and a drop rate of 1 never calls back', async (t) => {
  const { callbackUrl, deliveries } = await startReceiver(t)
  const { url } = await startEnrich(t, STANDARD, { webhookDropRate: 1 })
  t.equal((await submit(url, { task: 'enrich', input: {}, notify_url: callbackUrl }, { authorization: 'Basic bm86bm8=' })).status, 401)
  t.equal((await submit(url, { task: 'enrich', input: {} })).status, 400)
  t.equal((await submit(url, { task: 'enrich', input: {}, notify_url: callbackUrl })).status, 202)
  await new Promise((resolve) => setTimeout(resolve, 80))
  t.equal(deliveries.length, 0)
})

test('an early rate of 1 calls back before the call is answered, without waiting for the callback to be answered', async (t) => {
  // A receiver that correlates by the vendor's id can answer only once it has the acceptance that names it.
  const arrived: number[] = []
  const receiver = createServer((req, res) => {
    arrived.push(Date.now())
    req.resume()
    setTimeout(() => res.writeHead(200).end('{}'), 1_000)
  })
  receiver.listen(0, '127.0.0.1')
  await once(receiver, 'listening')
  t.teardown(() => { receiver.closeAllConnections(); receiver.close() })
  const { url } = await startEnrich(t, GITHUB, { webhookEarlyRate: 1 })
  const started = Date.now()
  const res = await submit(url, { task: 'enrich', input: {}, notify_url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook` })
  const answered = Date.now()
  t.equal(res.status, 202)
  t.equal(arrived.length, 1, 'the callback arrived before the answer')
  t.ok(answered - started < 1_000, `answered in ${answered - started} ms, before the callback was answered`)
})
