import { test } from 'tap'
import { parseLinks } from '../../../vendors/adapters/pages.js'
import { buildMockIssuesVendor } from '../../../vendors/mock/issues.js'

const AUTH = { authorization: 'Bearer issues-token', host: 'issues.test' }

test('issues come a page at a time, the next named by a Link header', async (t) => {
  const mock = buildMockIssuesVendor({ token: 'issues-token' })
  t.teardown(() => mock.close())
  const first = await mock.inject({ method: 'GET', url: '/repos/acme/widgets/issues?per_page=10&state=open', headers: AUTH })
  t.equal(first.json().length, 10)
  t.same(parseLinks(first.headers.link), {
    next: 'http://issues.test/repos/acme/widgets/issues?per_page=10&state=open&page=2',
    last: 'http://issues.test/repos/acme/widgets/issues?per_page=10&state=open&page=3'
  })
  const last = await mock.inject({ method: 'GET', url: '/repos/acme/widgets/issues?per_page=10&state=open&page=3', headers: AUTH })
  t.match(last.json(), [{ number: 21 }, { number: 22 }, { number: 23 }])
  t.notOk(parseLinks(last.headers.link).next, 'no next after the last')
  t.equal((await mock.inject({ method: 'GET', url: '/repos/acme/widgets/issues', headers: { host: 'x' } })).statusCode, 401)
})

test('past its rate limit every call is a 403 with X-RateLimit-Remaining 0 until the reset, and counted as refused', async (t) => {
  const mock = buildMockIssuesVendor({ token: 'issues-token', faults: { rateLimit: 2, rateWindowS: 60 } })
  t.teardown(() => mock.close())
  const call = () => mock.inject({ method: 'GET', url: '/repos/acme/widgets/issues', headers: AUTH })
  const first = await call()
  t.match(first.headers, { 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1' })
  const reset = Number(first.headers['x-ratelimit-reset'])
  t.ok(Number.isInteger(reset) && reset * 1000 > Date.now() + 58_000, 'the reset is a whole epoch second a window ahead')
  t.match((await call()).headers, { 'x-ratelimit-remaining': '0' })
  const refused = await call()
  t.equal(refused.statusCode, 403)
  t.match(refused.headers, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) })
  t.match((await mock.inject({ method: 'GET', url: '/admin/ratelimit' })).json(), { refused: 1, used: 2, resetAt: reset * 1000 })
})
