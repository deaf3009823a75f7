import { test } from 'tap'
import { buildMockBillingVendor } from '../../../vendors/mock/billing.js'

const KEY = 'sk_test_billing-mock'
const AUTH = { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` }

test('a charge is a form body: nested metadata and expand[] read as Stripe reads them; the key is the Basic user name', async (t) => {
  const mock = buildMockBillingVendor({ apiKey: KEY })
  t.teardown(() => mock.close())
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const res = await mock.inject({ method: 'POST', url: '/v1/charges', headers: { ...AUTH, ...form }, payload: 'amount=2000&currency=usd&metadata%5Border%5D=A-1&expand%5B%5D=customer' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { object: 'charge', amount: 2000, currency: 'usd', metadata: { order: 'A-1' }, expanded: ['customer'] })
  t.match((await mock.inject({ method: 'POST', url: '/v1/charges', headers: { ...AUTH, ...form }, payload: 'amount=-1&currency=usd' })).json(), { error: { param: 'amount' } })
  t.equal((await mock.inject({ method: 'POST', url: '/v1/charges', headers: form, payload: 'amount=1&currency=usd' })).statusCode, 401)
  const withPassword = { authorization: `Basic ${Buffer.from(`${KEY}:x`).toString('base64')}` }
  t.equal((await mock.inject({ method: 'POST', url: '/v1/charges', headers: { ...withPassword, ...form }, payload: 'amount=1&currency=usd' })).statusCode, 401)
})

test('customers come a page at a time by cursor, and the page asked to fail fails once per call key', async (t) => {
  const mock = buildMockBillingVendor({ apiKey: KEY, faults: { pageFailOnce: 2 } })
  t.teardown(() => mock.close())
  const page = (query: string, key = 'k') => mock.inject({ method: 'GET', url: `/v1/customers?${query}`, headers: { ...AUTH, 'idempotency-key': key } })
  const first = (await page('limit=3')).json()
  t.match(first, { has_more: true, data: [{ id: 'cus_0001' }, { id: 'cus_0002' }, { id: 'cus_0003' }] })
  t.equal((await page('limit=3&starting_after=cus_0003', 'k:page:2')).statusCode, 500, 'page 2 fails the first time')
  t.match((await page('limit=3&starting_after=cus_0003', 'k:page:2')).json(), { has_more: true, data: [{ id: 'cus_0004' }, { id: 'cus_0005' }, { id: 'cus_0006' }] })
  t.match((await page('limit=3&starting_after=cus_0006', 'k:page:3')).json(), { has_more: false, data: [{ id: 'cus_0007' }] })
  t.equal((await page('limit=3&starting_after=cus_9999')).statusCode, 400)
})
