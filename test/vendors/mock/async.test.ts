import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import { test } from 'tap'
import { request } from 'undici'
import { buildMockAsyncVendor } from '../../../vendors/mock/async.js'
import type { MockFaults } from '../../../vendors/mock/faults.js'
import type { StatsSnapshot } from '../../../vendors/mock/stats.js'
import { verify } from '../../../vendors/signature.js'

const SECRET = 'test-webhook-secret'
const QUICK = { webhookDelayMinMs: 10, webhookDelayMaxMs: 50 }

interface Tap {
  teardown (fn: () => unknown): void
}

interface Delivery {
  raw: string
  body: { request_id: string, result: Record<string, unknown> }
  signed: boolean
}

/**
 * A service stand-in that checks each callback's signature over its raw bytes and answers `statuses` in turn,
 * then 200; a status of 0 leaves that delivery unanswered.
 */
async function startReceiver (t: Tap, statuses: number[] = []) {
  const deliveries: Delivery[] = []
  const receiver = Fastify({ forceCloseConnections: true })
  receiver.removeContentTypeParser('application/json')
  receiver.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  receiver.post('/vendor-webhook/asyncVendor', async (request, reply) => {
    const raw = request.body as Buffer
    const signed = verify(SECRET, raw, request.headers['x-signature'] as string | undefined).ok
    deliveries.push({ raw: raw.toString(), body: JSON.parse(raw.toString()), signed })
    const status = statuses.shift() ?? 200
    return status === 0 ? reply : reply.code(status).send({})
  })
  t.teardown(() => receiver.close())
  const url = await receiver.listen({ port: 0, host: '127.0.0.1' })
  return { deliveries, callbackUrl: `${url}/vendor-webhook/asyncVendor` }
}

/** The async mock over real HTTP, closed when the test ends. */
async function startAsync (t: Tap, faults: Partial<MockFaults> = {}) {
  const mock = buildMockAsyncVendor({ secret: SECRET, faults: { ...QUICK, ...faults } })
  t.teardown(() => mock.close())
  const url = await mock.listen({ port: 0, host: '127.0.0.1' })
  return { mock, url }
}

async function call (url: string, body: object) {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.statusCode, body: await res.body.json() as Record<string, unknown> }
}

/** Waits up to `ms` for `check` to hold. */
async function until (check: () => boolean | Promise<boolean>, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms
  while (!await check() && Date.now() < end) await sleep(10)
  return check()
}

async function stats (mock: FastifyInstance): Promise<StatsSnapshot> {
  return (await mock.inject({ method: 'GET', url: '/admin/stats' })).json()
}

test('a call is accepted with 202, then a signed webhook carries its result', async (t) => {
  const { deliveries, callbackUrl } = await startReceiver(t)
  const { mock, url } = await startAsync(t)
  const res = await call(url, { request_id: 'job-1', payload: { type: 'user_data', userId: 7 }, callback_url: callbackUrl })
  t.same(res, { status: 202, body: { accepted: true, request_id: 'job-1' } })
  t.ok(await until(() => deliveries.length === 1), 'one webhook arrives')
  t.equal(deliveries[0]?.signed, true, 'signed over the exact bytes sent')
  t.match(deliveries[0]?.body, {
    request_id: 'job-1',
    result: { request_id: 'job-1', source: 'asyncVendor', data: { userId: 7, name: 'User 7' } }
  })
  t.ok(await until(async () => (await stats(mock)).webhooksSent === 1), 'counted as sent')
  t.match(await stats(mock), { received: 1, webhooksFailed: 0 })
})

test('a call without a callback_url is refused with 400 and not counted', async (t) => {
  const { mock, url } = await startAsync(t)
  t.equal((await call(url, { request_id: 'job', payload: {} })).status, 400)
  t.equal((await call(url, { request_id: 'job', payload: {}, callback_url: 'not a url' })).status, 400)
  t.equal((await call(url, { payload: {}, callback_url: 'http://127.0.0.1:1/' })).status, 400)
  t.match(await stats(mock), { received: 0 })
})

test('a duplicate rate of 1 delivers the identical body twice', async (t) => {
  const { deliveries, callbackUrl } = await startReceiver(t)
  const { url } = await startAsync(t, { webhookDuplicateRate: 1 })
  await call(url, { request_id: 'job-dup', payload: {}, callback_url: callbackUrl })
  t.ok(await until(() => deliveries.length === 2), 'two deliveries')
  t.equal(deliveries[0]?.raw, deliveries[1]?.raw, 'identical bodies')
  t.ok(deliveries.every((d) => d.signed), 'both signed')
  await sleep(100)
  t.equal(deliveries.length, 2, 'and no more')
})

test('an early rate of 1 calls back before the call is answered', async (t) => {
  const { deliveries, callbackUrl } = await startReceiver(t)
  const { url } = await startAsync(t, { webhookEarlyRate: 1, webhookDelayMinMs: 1000, webhookDelayMaxMs: 1000 })
  t.equal((await call(url, { request_id: 'job-early', payload: {}, callback_url: callbackUrl })).status, 202)
  t.equal(deliveries.length, 1, 'delivered by the time the 202 arrives, not after the usual delay')
})

test('a drop rate of 1 never calls back', async (t) => {
  const { deliveries, callbackUrl } = await startReceiver(t)
  const { mock, url } = await startAsync(t, { webhookDropRate: 1 })
  t.equal((await call(url, { request_id: 'job-dropped', payload: {}, callback_url: callbackUrl })).status, 202)
  await sleep(300)
  t.equal(deliveries.length, 0)
  t.match(await stats(mock), { received: 1, webhooksSent: 0 })
})

test('call faults apply to the async mock too, and a refused call gets no webhook', async (t) => {
  const { deliveries, callbackUrl } = await startReceiver(t)
  const { url } = await startAsync(t, { rate429: 1 })
  t.equal((await call(url, { request_id: 'job', payload: {}, callback_url: callbackUrl })).status, 429)
  await sleep(150)
  t.equal(deliveries.length, 0)
})

test('a delivery answered 5xx is retried, one answered 4xx is not', async (t) => {
  const { deliveries, callbackUrl } = await startReceiver(t, [503, 200, 409])
  const { mock, url } = await startAsync(t)
  await call(url, { request_id: 'retried', payload: {}, callback_url: callbackUrl })
  t.ok(await until(() => deliveries.length === 2), 'a 503 then a retry')
  await call(url, { request_id: 'conflict', payload: {}, callback_url: callbackUrl })
  t.ok(await until(async () => (await stats(mock)).webhooksRejected === 1), 'the 409 is counted as rejected')
  await sleep(300)
  t.equal(deliveries.length, 3, 'the 409 is not retried')
  t.match(await stats(mock), { webhooksSent: 1, webhooksFailed: 0 })
})

test('a delivery is retried three times, then counted as failed', async (t) => {
  const { deliveries, callbackUrl } = await startReceiver(t, [500, 502, 503, 504])
  const { mock, url } = await startAsync(t)
  await call(url, { request_id: 'failing', payload: {}, callback_url: callbackUrl })
  t.ok(await until(async () => (await stats(mock)).webhooksFailed === 1), 'failed after its retries')
  t.equal(deliveries.length, 4, 'one attempt and three retries')
  t.ok(deliveries.every((d) => d.raw === deliveries[0]?.raw && d.signed), 'each the same signed body')
  await sleep(300)
  t.equal(deliveries.length, 4, 'and no more')
})

test('MOCK_WEBHOOK_RETRIES sets how often a refused delivery is sent again', async (t) => {
  const { deliveries, callbackUrl } = await startReceiver(t, [500, 503, 502, 504, 500])
  const { mock, url } = await startAsync(t, { webhookRetries: 5 })
  await call(url, { request_id: 'patient', payload: {}, callback_url: callbackUrl })
  t.ok(await until(async () => (await stats(mock)).webhooksSent === 1, 10_000), 'delivered at its sixth try, past the default three retries')
  t.equal(deliveries.length, 6)
})

test('a callback URL nobody listens on is retried, then counted as failed', async (t) => {
  const closed = Fastify()
  const deadUrl = await closed.listen({ port: 0, host: '127.0.0.1' })
  await closed.close()
  const { mock, url } = await startAsync(t)
  await call(url, { request_id: 'unreachable', payload: {}, callback_url: `${deadUrl}/hook` })
  t.ok(await until(async () => (await stats(mock)).webhooksFailed === 1), 'failed after its retries')
  t.match(await stats(mock), { webhooksSent: 0 })
})

test('close cancels waiting webhooks and returns promptly', async (t) => {
  const { deliveries, callbackUrl } = await startReceiver(t)
  const { mock, url } = await startAsync(t, { webhookDelayMinMs: 300, webhookDelayMaxMs: 300 })
  await call(url, { request_id: 'never', payload: {}, callback_url: callbackUrl })
  const started = performance.now()
  await mock.close()
  t.ok(performance.now() - started < 200, 'close does not wait for the delay')
  await sleep(400)
  t.equal(deliveries.length, 0, 'the cancelled webhook never comes')
})

test('close aborts a delivery in flight and returns promptly', async (t) => {
  const { deliveries, callbackUrl } = await startReceiver(t, [0])
  const { mock, url } = await startAsync(t)
  await call(url, { request_id: 'in-flight', payload: {}, callback_url: callbackUrl })
  t.ok(await until(() => deliveries.length === 1), 'the delivery reached the receiver, which does not answer')
  const started = performance.now()
  await mock.close()
  t.ok(performance.now() - started < 200, 'close does not wait for the answer')
})
