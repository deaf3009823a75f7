import { test } from 'tap'
import { request } from 'undici'
import { buildMockOAuthVendor } from '../../../vendors/mock/oauth.js'

interface Tap {
  teardown (fn: () => unknown): void
}

const CLIENT = { clientId: 'client-1', clientSecret: 'client-secret-1' }

async function startOAuth (t: Tap, tokenTtlS = 3600) {
  const mock = buildMockOAuthVendor({ ...CLIENT, tokenTtlS })
  t.teardown(() => mock.close())
  return { mock, url: await mock.listen({ port: 0, host: '127.0.0.1' }) }
}

async function tokenCall (url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await request(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString()
  })
  return { status: res.statusCode, text: await res.body.text() }
}

const GRANT = { grant_type: 'client_credentials', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret }

async function search (url: string, token: string, domain = 'acme.com') {
  const res = await request(`${url}/v1/companies/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ domain })
  })
  return { status: res.statusCode, headers: res.headers, body: await res.body.json() as Record<string, unknown> }
}

test('client credentials in the form or as HTTP Basic get a bearer token with expires_in', async (t) => {
  const { url } = await startOAuth(t, 120)
  const inForm = await tokenCall(url, { ...GRANT, scope: 'companies:read' })
  t.equal(inForm.status, 200)
  t.match(JSON.parse(inForm.text), { access_token: /^tok_/, token_type: 'Bearer', expires_in: 120, scope: 'companies:read' })
  const basic = `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`
  t.equal((await tokenCall(url, { grant_type: 'client_credentials' }, { authorization: basic })).status, 200)
})

test('a wrong secret, an unknown client or another grant is refused', async (t) => {
  const { mock, url } = await startOAuth(t)
  t.same(await tokenCall(url, { ...GRANT, client_secret: 'wrong' }), { status: 401, text: '{"error":"invalid_client"}' })
  t.same(await tokenCall(url, { ...GRANT, client_id: 'other' }), { status: 401, text: '{"error":"invalid_client"}' })
  t.same(await tokenCall(url, { ...GRANT, grant_type: 'password' }), { status: 400, text: '{"error":"unsupported_grant_type"}' })
  t.same((await mock.inject({ method: 'GET', url: '/admin/oauth' })).json(), { tokenRequests: 3, tokensIssued: 0, activeTokens: 0 })
})

test('the API answers a live token, and 401 to an unknown, expired or revoked one', async (t) => {
  const { mock, url } = await startOAuth(t, 1)
  const token = JSON.parse((await tokenCall(url, GRANT)).text).access_token as string
  t.match(await search(url, token), { status: 200, body: { data: { domain: 'acme.com', name: 'Acme', employees: Number } } })
  const unknown = await search(url, 'tok_made_up')
  t.equal(unknown.status, 401)
  t.equal(unknown.headers['www-authenticate'], 'Bearer error="invalid_token"')
  await new Promise((resolve) => setTimeout(resolve, 1050))
  t.equal((await search(url, token)).status, 401, 'expired')
  await mock.inject({ method: 'PUT', url: '/admin/oauth', payload: { tokenTtlS: 60 } })
  const fresh = JSON.parse((await tokenCall(url, GRANT)).text).access_token as string
  t.equal((await search(url, fresh)).status, 200)
  t.equal((await mock.inject({ method: 'POST', url: '/admin/oauth/revoke' })).statusCode, 204)
  t.equal((await search(url, fresh)).status, 401, 'revoked')
  t.same((await mock.inject({ method: 'GET', url: '/admin/oauth' })).json(), { tokenRequests: 2, tokensIssued: 2, activeTokens: 0 })
})

test('the token endpoint can be told to fail or to answer garbage, and back', async (t) => {
  const { mock, url } = await startOAuth(t)
  await mock.inject({ method: 'PUT', url: '/admin/oauth', payload: { fault: 'fail' } })
  t.equal((await tokenCall(url, GRANT)).status, 503)
  await mock.inject({ method: 'PUT', url: '/admin/oauth', payload: { fault: 'garbage' } })
  t.same(await tokenCall(url, GRANT), { status: 200, text: '<html><body>Login</body></html>' })
  t.equal((await mock.inject({ method: 'PUT', url: '/admin/oauth', payload: { fault: 'sometimes' } })).statusCode, 400)
  await mock.inject({ method: 'PUT', url: '/admin/oauth', payload: { fault: 'none' } })
  t.equal((await tokenCall(url, GRANT)).status, 200)
  t.match((await mock.inject({ method: 'GET', url: '/admin/oauth' })).json(), { tokenRequests: 3, tokensIssued: 1 })
})

test('API calls are counted under the Idempotency-Key, and meet the shared faults', async (t) => {
  const { mock, url } = await startOAuth(t)
  const token = JSON.parse((await tokenCall(url, GRANT)).text).access_token as string
  const res = await request(`${url}/v1/companies/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': 'req-9' },
    body: '{"domain":"globex.com"}'
  })
  await res.body.dump()
  t.equal((await mock.inject({ method: 'GET', url: '/admin/stats?request_id=req-9' })).json().calls, 1)
  await mock.inject({ method: 'PUT', url: '/admin/faults', payload: { failRate: 1 } })
  t.equal((await search(url, token)).status, 500)
})
