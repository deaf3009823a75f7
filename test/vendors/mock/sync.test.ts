import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { test } from 'tap'
import { request } from 'undici'
import type { MockFaults } from '../../../vendors/mock/faults.js'
import { buildMockSyncVendor } from '../../../vendors/mock/sync.js'

interface Tap {
  teardown (fn: () => unknown): void
}

/** The sync mock over real HTTP, closed when the test ends. */
async function startSync (t: Tap, faults: Partial<MockFaults> = {}) {
  const mock = buildMockSyncVendor({ faults })
  t.teardown(() => mock.close())
  const url = await mock.listen({ port: 0, host: '127.0.0.1' })
  return { mock, url }
}

/** The mock's stats as its admin route gives them; `query` as in `?window_ms=300`. */
async function statsOf (mock: FastifyInstance, query = '') {
  return (await mock.inject({ method: 'GET', url: `/admin/stats${query}` })).json()
}

/** Posts a call as the service does, and reads the whole answer. */
async function call (url: string, requestId: string, payload: object = {}, signal?: AbortSignal) {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': requestId },
    body: JSON.stringify({ request_id: requestId, payload }),
    signal
  })
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
}

test('a call is answered 200 with data derived from its payload, on any path', async (t) => {
  const { url } = await startSync(t)
  const res = await call(url, 'job-1', { type: 'user_data', userId: 123 })
  t.equal(res.status, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = JSON.parse(res.text)
  t.match(body, {
    request_id: 'job-1',
    source: 'syncVendor',
    data: { userId: 123, name: 'User 123', email: 'user123@example.com' }
  })
  t.ok(Date.parse(body.served_at) > 0, 'served_at is a date')
  const echoed = JSON.parse((await call(`${url}/v2/data`, 'job-2', { type: 'other', n: 1 })).text)
  t.same(echoed.data, { type: 'other', n: 1 }, 'an unknown payload is echoed')
})

test('a body that is not a call is refused with 400 and not counted', async (t) => {
  const { mock, url } = await startSync(t)
  for (const body of ['"just a string"', '{"payload":{}}', '{"request_id":42,"payload":{}}', '{"request_id":"x","payload":"y"}', '{not json']) {
    const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    await res.body.dump()
    t.equal(res.statusCode, 400, body)
  }
  t.equal((await mock.inject({ method: 'GET', url: '/admin/stats' })).json().received, 0)
})

test('a 429 fault answers with Retry-After', async (t) => {
  const { url } = await startSync(t, { rate429: 1, retryAfterS: 7 })
  const res = await call(url, 'job')
  t.equal(res.status, 429)
  t.equal(res.headers['retry-after'], '7')
})

test('a fail rate of 1 answers every call 500', async (t) => {
  const { url } = await startSync(t, { failRate: 1 })
  for (const id of ['a', 'b', 'c']) t.equal((await call(url, id)).status, 500)
})

test('latency delays the answer', async (t) => {
  const { url } = await startSync(t, { latencyMs: 150 })
  const started = performance.now()
  t.equal((await call(url, 'slow')).status, 200)
  t.ok(performance.now() - started >= 145, 'not answered before the latency')
})

test('a malformed rate of 1 answers 200 with HTML, truncated JSON and JSON that is not an object, in turn', async (t) => {
  const { url } = await startSync(t, { malformedRate: 1 })
  const answers = [await call(url, 'a'), await call(url, 'b'), await call(url, 'c')]
  t.ok(answers.every((a) => a.status === 200), 'all 200')
  const [html, truncated, bare] = answers
  t.match(html?.headers['content-type'], /^text\/html/)
  t.match(html?.text, /^<!DOCTYPE html>/)
  t.match(truncated?.headers['content-type'], /^application\/json/)
  t.throws(() => JSON.parse(truncated?.text ?? ''), SyntaxError)
  t.match(bare?.headers['content-type'], /^application\/json/)
  t.type(JSON.parse(bare?.text ?? 'null'), 'string')
})

test('a hang rate of 1 never answers, and close() still returns promptly', async (t) => {
  const { mock, url } = await startSync(t, { hangRate: 1 })
  await t.rejects(call(url, 'hung', {}, AbortSignal.timeout(200)), { name: 'TimeoutError' })
  const pending = call(url, 'hung-while-closing').catch((err: Error) => err)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const started = performance.now()
  await mock.close()
  t.ok(performance.now() - started < 500, 'close does not wait for the hanging calls')
  t.type(await pending, Error, 'the hanging call is cut off')
})

test('the admin routes change the faults and report what was received', async (t) => {
  const { mock, url } = await startSync(t)
  t.same((await mock.inject({ method: 'GET', url: '/admin/faults' })).json().failRate, 0)
  const put = await mock.inject({ method: 'PUT', url: '/admin/faults', payload: { failRate: 1 } })
  t.equal(put.statusCode, 200)
  t.equal(put.json().failRate, 1)
  t.equal((await call(url, 'job-1')).status, 500, 'the next call sees the change')
  await mock.inject({ method: 'PUT', url: '/admin/faults', payload: { failRate: 0 } })
  t.equal((await call(url, 'job-1')).status, 200)
  t.equal((await call(url, 'job-2')).status, 200)

  t.match((await mock.inject({ method: 'GET', url: '/admin/stats' })).json(), {
    received: 3, distinctRequests: 2, maxCallsPerRequest: 2, maxPerSecond: 3
  })
  const one = (await mock.inject({ method: 'GET', url: '/admin/stats?request_id=job-1' })).json()
  t.equal(one.calls, 2)
  t.equal(one.times.length, 2)
  t.ok(one.times[1] >= one.times[0], 'times oldest first')

  t.equal((await mock.inject({ method: 'POST', url: '/admin/reset' })).statusCode, 204)
  t.match((await mock.inject({ method: 'GET', url: '/admin/stats' })).json(), { received: 0, maxPerSecond: 0 })
})

test('the admin routes refuse bad faults with 400 and keep the current ones', async (t) => {
  const { mock } = await startSync(t)
  for (const payload of [{ failRate: 2 }, { failRate: '0.5' }, { latencyMs: -1 }, { failrate: 0.5 }, { webhookDelayMinMs: 5000 }]) {
    const res = await mock.inject({ method: 'PUT', url: '/admin/faults', payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.type(res.json().message, 'string')
  }
  t.match((await mock.inject({ method: 'GET', url: '/admin/faults' })).json(), { failRate: 0, latencyMs: 0, webhookDelayMinMs: 500 })
})

test('calls held open by latency are all counted open at once, and none once answered', async (t) => {
  const { mock, url } = await startSync(t, { latencyMs: 1000 })
  const calls = Promise.all(Array.from({ length: 10 }, (_, i) => call(url, `held-${i}`)))
  // However busy the machine, all ten arrive well within the second the vendor holds each.
  for (let until = Date.now() + 900; (await statsOf(mock)).received < 10 && Date.now() < until;) await sleep(10)
  t.match(await statsOf(mock), { received: 10, open: 10, maxOpen: 10 }, 'while the vendor holds them')
  t.same((await calls).map((res) => res.status), Array(10).fill(200))
  t.match(await statsOf(mock), { open: 0, maxOpen: 10 }, 'once each was answered')
})

test('calls one after another are never open together', async (t) => {
  const { mock, url } = await startSync(t, { latencyMs: 20 })
  for (let i = 0; i < 5; i++) await call(url, `one-${i}`)
  t.match(await statsOf(mock), { received: 5, open: 0, maxOpen: 1 })
})

test('a call that is never answered stays open until its client gives up', async (t) => {
  const { mock, url } = await startSync(t, { hangRate: 1 })
  const hung = call(url, 'hung', {}, AbortSignal.timeout(400)).catch((err: Error) => err)
  await sleep(200)
  t.match(await statsOf(mock), { open: 1, maxOpen: 1 })
  t.match(await hung, { name: 'TimeoutError' })
  let open: number | undefined
  for (const until = Date.now() + 2_000; open !== 0 && Date.now() < until; await sleep(10)) open = (await statsOf(mock)).open
  t.equal(open, 0, 'closed when the client closed its connection')
})

test('a 429 or a 500 closes its call as it answers', async (t) => {
  const { mock, url } = await startSync(t, { rate429: 0.5, failRate: 0.5 })
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => call(url, `fault-${i}`)))
  t.ok(answers.every((res) => res.status === 429 || res.status === 500))
  t.match(await statsOf(mock), { received: 6, open: 0 })
})

test('GET /admin/stats?window_ms= adds the most calls within any window of that length', async (t) => {
  const { mock, url } = await startSync(t)
  await Promise.all([call(url, 'a'), call(url, 'b'), call(url, 'c')])
  await sleep(400)
  await Promise.all([call(url, 'd'), call(url, 'e')])
  t.match(await statsOf(mock, '?window_ms=300'), { received: 5, maxInWindow: 3, arrivalsKept: 5 }, 'the two groups are 400 ms apart')
  t.match(await statsOf(mock, '?window_ms=60000'), { maxInWindow: 5 })
  t.notOk('maxInWindow' in await statsOf(mock), 'only when asked for')
})

test('a window_ms that is not a positive whole number, or one asked with a request_id, is refused with 400', async (t) => {
  const { mock } = await startSync(t)
  for (const query of ['?window_ms=0', '?window_ms=-5', '?window_ms=1.5', '?window_ms=abc', '?window_ms=', '?window_ms=1000&request_id=a']) {
    const res = await mock.inject({ method: 'GET', url: `/admin/stats${query}` })
    t.equal(res.statusCode, 400, query)
    t.type(res.json().message, 'string', query)
  }
})

test('GET /admin/stats?path= counts each path apart, open calls and windows included, and a reset clears them', async (t) => {
  const { mock, url } = await startSync(t, { latencyMs: 100 })
  await Promise.all([call(`${url}/one`, 'a'), call(`${url}/one?x=1`, 'b'), call(`${url}/two`, 'c')])
  t.match(await statsOf(mock, '?path=/one&window_ms=1000'), { received: 2, maxOpen: 2, maxInWindow: 2, open: 0 }, 'the query string aside')
  t.match(await statsOf(mock, '?path=/two'), { received: 1, maxOpen: 1 })
  t.match(await statsOf(mock, '?path=/one&request_id=b'), { calls: 1 })
  t.match(await statsOf(mock, '?path=/none'), { received: 0, maxOpen: 0 }, 'a path never called received nothing')
  t.match(await statsOf(mock), { received: 3, maxOpen: 3 }, 'and the whole mock still counts all of them')
  await mock.inject({ method: 'POST', url: '/admin/reset' })
  t.match(await statsOf(mock, '?path=/one'), { received: 0 })
})
