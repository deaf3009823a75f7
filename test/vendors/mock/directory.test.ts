import { test } from 'tap'
import { request } from 'undici'
import { buildMockDirectoryVendor } from '../../../vendors/mock/directory.js'

interface Tap {
  teardown (fn: () => unknown): void
}

const KEY = 'directory-test-key'

async function startDirectory (t: Tap) {
  const mock = buildMockDirectoryVendor({ apiKey: KEY })
  t.teardown(() => mock.close())
  return { mock, url: await mock.listen({ port: 0, host: '127.0.0.1' }) }
}

async function call (url: string, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return { status: res.statusCode, body: await res.body.json() as Record<string, unknown> }
}

test('two job types at two endpoints, each with its own payload and answer', async (t) => {
  const { mock, url } = await startDirectory(t)
  t.same(await call(url, 'GET', `/v1/users/42?api_key=${KEY}`), { status: 200, body: { user: { id: 42, name: 'User 42', email: 'user42@example.com' } } })
  t.same(await call(url, 'POST', `/v1/companies/lookup?api_key=${KEY}`, { domain: 'initech.com' }), {
    status: 200, body: { company: { domain: 'initech.com', name: 'initech', industry: 'software' } }
  })
  t.match((await mock.inject({ method: 'GET', url: '/admin/stats' })).json(), { received: 2, distinctRequests: 2 })
})

test('a missing or wrong api_key is a 403, a bad payload a 400', async (t) => {
  const { url } = await startDirectory(t)
  t.equal((await call(url, 'GET', '/v1/users/42')).status, 403)
  t.equal((await call(url, 'GET', '/v1/users/42?api_key=nope')).status, 403)
  t.equal((await call(url, 'GET', `/v1/users/abc?api_key=${KEY}`)).status, 400)
  t.equal((await call(url, 'POST', `/v1/companies/lookup?api_key=${KEY}`, { name: 'x' })).status, 400)
})
