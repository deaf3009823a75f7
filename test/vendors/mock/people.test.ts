import { test } from 'tap'
import { request } from 'undici'
import { buildMockPeopleVendor } from '../../../vendors/mock/people.js'
import type { MockFaults } from '../../../vendors/mock/faults.js'

interface Tap {
  teardown (fn: () => unknown): void
}

const KEY = 'people-test-key'

async function startPeople (t: Tap, faults: Partial<MockFaults> = {}) {
  const mock = buildMockPeopleVendor({ apiKey: KEY, faults })
  t.teardown(() => mock.close())
  return { mock, url: await mock.listen({ port: 0, host: '127.0.0.1' }) }
}

async function find (url: string, email: string | undefined, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) {
  const query = email === undefined ? '' : `?email=${encodeURIComponent(email)}`
  const res = await request(`${url}/v2/people/find${query}`, { headers })
  return { status: res.statusCode, headers: res.headers, body: await res.body.json() as Record<string, unknown> }
}

test('a known email is answered with the person under "person"', async (t) => {
  const { url } = await startPeople(t)
  const res = await find(url, 'grace.hopper@navy.mil')
  t.equal(res.status, 200)
  t.match(res.body, { person: { email: 'grace.hopper@navy.mil', full_name: 'Grace Hopper', employer: { domain: 'navy.mil', name: 'navy' }, id: /^per_/ } })
})

test('an unknown person is a 404 with a message', async (t) => {
  const { url } = await startPeople(t)
  t.same(await find(url, 'nobody.home@example.com').then((r) => [r.status, r.body]), [404, {
    error: 'not_found', message: 'no person with email nobody.home@example.com'
  }])
})

test('a missing or wrong key is a 401, and such calls are not counted', async (t) => {
  const { mock, url } = await startPeople(t)
  t.equal((await find(url, 'a@b.c', {})).status, 401)
  t.equal((await find(url, 'a@b.c', { authorization: 'Bearer wrong' })).status, 401)
  t.equal((await find(url, 'a@b.c', { authorization: KEY })).status, 401, 'the key alone is not a bearer header')
  t.equal((await mock.inject({ method: 'GET', url: '/admin/stats' })).json().received, 0)
})

test('a missing or malformed email is a 400', async (t) => {
  const { url } = await startPeople(t)
  t.equal((await find(url, undefined)).status, 400)
  t.equal((await find(url, 'not-an-email')).status, 400)
})

test('calls are counted under the Idempotency-Key, or the email without one', async (t) => {
  const { mock, url } = await startPeople(t)
  await find(url, 'a@b.c', { authorization: `Bearer ${KEY}`, 'idempotency-key': 'req-1' })
  await find(url, 'a@b.c', { authorization: `Bearer ${KEY}`, 'idempotency-key': 'req-1' })
  await find(url, 'x@y.z')
  t.equal((await mock.inject({ method: 'GET', url: '/admin/stats?request_id=req-1' })).json().calls, 2)
  t.equal((await mock.inject({ method: 'GET', url: '/admin/stats?request_id=x@y.z' })).json().calls, 1)
})

test('the shared faults apply: a 429 rate of 1 answers 429 with Retry-After', async (t) => {
  const { url } = await startPeople(t, { rate429: 1, retryAfterS: 2 })
  const res = await find(url, 'a@b.c')
  t.equal(res.status, 429)
  t.equal(res.headers['retry-after'], '2')
})
