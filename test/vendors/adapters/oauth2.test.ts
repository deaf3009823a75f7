import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { test } from 'tap'
import { TokenError } from '../../../vendors/adapters/errors.js'
import { createTokenManager, type TokenManagerOptions } from '../../../vendors/adapters/oauth2.js'
import { createMemoryTokenCache } from '../../../vendors/adapters/token-cache.js'
import { UnrecoverableVendorError } from '../../../vendors/errors.js'
import { buildMockOAuthVendor } from '../../../vendors/mock/oauth.js'
import { freePort } from '../../free-port.js'
import { startReceiver, type TestContext } from './receiver.js'

const CLIENT = { clientId: 'client-1', clientSecret: 'cs-SECRET-oauth-test-8a7d' }

async function startTokenVendor (t: TestContext, tokenTtlS = 3600) {
  const mock = buildMockOAuthVendor({ ...CLIENT, tokenTtlS })
  t.teardown(() => mock.close())
  const origin = await mock.listen({ port: 0, host: '127.0.0.1' })
  return { mock, origin, tokenUrl: `${origin}/oauth/token` }
}

async function tokenStats (mock: FastifyInstance) {
  return (await mock.inject({ method: 'GET', url: '/admin/oauth' })).json() as { tokenRequests: number, tokensIssued: number }
}

function manager (tokenUrl: string, opts: TokenManagerOptions = {}, clientSecret = CLIENT.clientSecret) {
  return createTokenManager('companyVendor', { tokenUrl, clientId: CLIENT.clientId, clientSecret, scope: 'companies:read' }, opts)
}

test('a token is fetched once and shared by every concurrent caller, then served from memory', async (t) => {
  const { mock, tokenUrl } = await startTokenVendor(t)
  const tokens = manager(tokenUrl)
  const got = await Promise.all(Array.from({ length: 20 }, () => tokens.token()))
  t.equal(new Set(got).size, 1)
  t.match(got[0], /^tok_/)
  t.equal(await tokens.token(), got[0])
  t.match(await tokenStats(mock), { tokenRequests: 1, tokensIssued: 1 })
})

test('the token request is form-encoded: grant_type, client_id, client_secret and scope', async (t) => {
  const { callbackUrl, deliveries } = await startReceiver(t, () => ({ status: 200, body: '{"access_token":"abc","token_type":"bearer","expires_in":60}' }))
  t.equal(await manager(callbackUrl).token(), 'abc')
  const [delivery] = deliveries
  t.equal(delivery?.headers['content-type'], 'application/x-www-form-urlencoded')
  t.same(Object.fromEntries(new URLSearchParams(delivery?.raw.toString())), {
    grant_type: 'client_credentials', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, scope: 'companies:read'
  })
})

test('a token is renewed shortly before it expires', async (t) => {
  const { mock, tokenUrl } = await startTokenVendor(t, 1)
  const tokens = manager(tokenUrl)
  const first = await tokens.token()
  await sleep(500)
  t.equal(await tokens.token(), first, 'still good half way')
  await sleep(450)
  const second = await tokens.token()
  t.not(second, first, 'renewed within the last tenth of its life')
  t.match(await tokenStats(mock), { tokensIssued: 2 })
})

test('after a 401, the callers that used the refused token share one new token', async (t) => {
  const { mock, tokenUrl } = await startTokenVendor(t)
  const tokens = manager(tokenUrl)
  const refused = await tokens.token()
  await mock.inject({ method: 'POST', url: '/admin/oauth/revoke' })
  for (let i = 0; i < 10; i++) tokens.rejected(refused)
  const fresh = await Promise.all(Array.from({ length: 10 }, () => tokens.token()))
  t.equal(new Set(fresh).size, 1)
  t.not(fresh[0], refused)
  tokens.rejected(refused)
  t.equal(await tokens.token(), fresh[0], 'a late 401 for the old token changes nothing')
  t.match(await tokenStats(mock), { tokenRequests: 2 })
})

test('two workers sharing a cache fetch one token between them, and refresh it once after a 401', async (t) => {
  const { mock, tokenUrl } = await startTokenVendor(t)
  const cache = createMemoryTokenCache()
  const a = manager(tokenUrl, { cache })
  const b = manager(tokenUrl, { cache })
  const [ta, tb] = await Promise.all([a.token(), b.token()])
  t.equal(ta, tb)
  t.match(await tokenStats(mock), { tokenRequests: 1 })
  a.rejected(ta)
  b.rejected(tb)
  const [na, nb] = await Promise.all([a.token(), b.token()])
  t.equal(na, nb, 'the worker that lost the lock waits for the other one\'s token')
  t.not(na, ta)
  t.match(await tokenStats(mock), { tokenRequests: 2 })
})

test('when the fetch of the worker holding the lock fails, the worker waiting on it reports the same problem at once', async (t) => {
  const { mock, tokenUrl } = await startTokenVendor(t)
  await mock.inject({ method: 'PUT', url: '/admin/oauth', payload: { fault: 'fail' } })
  const cache = createMemoryTokenCache()
  const [a, b] = [manager(tokenUrl, { cache }), manager(tokenUrl, { cache })]
  const problem = 'companyVendor: OAuth2 token endpoint answered 503: {"error":"temporarily_unavailable"}'
  t.match(await a.token().catch((e: unknown) => e), { name: 'TokenError', message: problem })
  const started = Date.now()
  t.match(await b.token().catch((e: unknown) => e), { name: 'TokenError', message: problem }, 'not "did not arrive in time"')
  t.ok(Date.now() - started < 1_000, 'without waiting for a token that will not come')
  t.match(await tokenStats(mock), { tokenRequests: 1 })
})

test('a token endpoint that is down fails readably and retryably, and the next callers wait out a backoff instead of storming it', async (t) => {
  const { mock, tokenUrl } = await startTokenVendor(t)
  await mock.inject({ method: 'PUT', url: '/admin/oauth', payload: { fault: 'fail' } })
  const tokens = manager(tokenUrl, { backoffMs: 200 })
  const err = await tokens.token().catch((e: unknown) => e)
  t.type(err, TokenError)
  t.notOk(err instanceof UnrecoverableVendorError, 'retryable')
  t.match(err, { code: 'VFS_ERR_VENDOR_TOKEN', message: 'companyVendor: OAuth2 token endpoint answered 503: {"error":"temporarily_unavailable"}' })
  t.ok(((err as TokenError).retryAfterMs ?? 0) > 0, 'says when to try again')
  const during = await Promise.all(Array.from({ length: 20 }, () => tokens.token().catch((e: unknown) => e)))
  t.ok(during.every((e) => e instanceof TokenError), 'callers during the backoff fail at once')
  t.match(await tokenStats(mock), { tokenRequests: 1 }, 'without calling the endpoint')
  await mock.inject({ method: 'PUT', url: '/admin/oauth', payload: { fault: 'none' } })
  await sleep(250)
  t.match(await tokens.token(), /^tok_/, 'after the backoff, the next caller fetches again')
  t.match(await tokenStats(mock), { tokenRequests: 2 })
})

test('an unreachable token endpoint, garbage and a token-less answer are retryable TokenErrors with readable messages', async (t) => {
  const closed = `http://127.0.0.1:${await freePort()}/oauth/token`
  await t.rejects(manager(closed).token(), { name: 'TokenError', message: /^companyVendor: OAuth2 token endpoint call failed \(ECONNREFUSED/ })
  const { mock, tokenUrl } = await startTokenVendor(t)
  await mock.inject({ method: 'PUT', url: '/admin/oauth', payload: { fault: 'garbage' } })
  await t.rejects(manager(tokenUrl).token(), {
    name: 'TokenError', message: 'companyVendor: OAuth2 token endpoint answered 200 with a body that is not JSON: <html><body>Login</body></html>'
  })
  const { callbackUrl } = await startReceiver(t, () => ({ status: 200, body: '{"token_type":"bearer"}' }))
  await t.rejects(manager(callbackUrl).token(), { message: 'companyVendor: OAuth2 token endpoint answered 200 without an access_token' })
  const mac = await startReceiver(t, () => ({ status: 200, body: '{"access_token":"x","token_type":"mac"}' }))
  await t.rejects(manager(mac.callbackUrl).token(), { message: 'companyVendor: OAuth2 token endpoint answered 200 with token_type "mac", not Bearer' })
})

test('a token endpoint that answers past 64 KiB is read no further: a retryable TokenError', async (t) => {
  const big = await startReceiver(t, () => ({ status: 200, body: `{"access_token":"${'x'.repeat(200_000)}"}` }))
  await t.rejects(manager(big.callbackUrl).token(), { name: 'TokenError', message: /^companyVendor: OAuth2 token endpoint call failed \(its answer ran past 65536 bytes\)$/ })
})

test('a token endpoint echoing our form back never gets the client secret into the error', async (t) => {
  const { callbackUrl } = await startReceiver(t, ({ raw }) => ({ status: 400, body: JSON.stringify({ error: 'invalid_request', got: raw.toString() }) }))
  const err = await manager(callbackUrl).token().catch((e: unknown) => e) as Error
  t.match(err.message, /^companyVendor: OAuth2 token endpoint answered 400: /)
  t.match(err.message, /client_secret=\[redacted\]/)
  t.notMatch(err.message, /SECRET/)
  const { mock, tokenUrl } = await startTokenVendor(t)
  const refused = await manager(tokenUrl, {}, 'cs-SECRET-wrong-one-1234').token().catch((e: unknown) => e) as Error
  t.equal(refused.message, 'companyVendor: OAuth2 token endpoint answered 401: {"error":"invalid_client"}')
  t.match(await tokenStats(mock), { tokensIssued: 0 })
})
