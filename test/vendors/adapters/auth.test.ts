import { test } from 'tap'
import { createAuthenticator } from '../../../vendors/adapters/auth.js'
import type { Auth } from '../../../vendors/adapters/entry.js'

const ENV = { KEY: 'k-SECRET-1234', PASS: 'p-SECRET-5678' }

test('each static kind puts its secret where the vendor expects it', async (t) => {
  const cases: Array<[Auth, object]> = [
    [{ type: 'bearer', token: { env: 'KEY' } }, { headers: { authorization: 'Bearer k-SECRET-1234' }, query: {} }],
    [{ type: 'header', name: 'X-Api-Key', value: { env: 'KEY' } }, { headers: { 'x-api-key': 'k-SECRET-1234' }, query: {} }],
    [{ type: 'query', name: 'api_key', value: { env: 'KEY' } }, { headers: {}, query: { api_key: 'k-SECRET-1234' } }],
    [{ type: 'basic', username: 'svc', password: { env: 'PASS' } },
      { headers: { authorization: `Basic ${Buffer.from('svc:p-SECRET-5678').toString('base64')}` }, query: {} }]
  ]
  for (const [auth, credentials] of cases) {
    const authenticator = createAuthenticator('v', auth, ENV)
    t.equal(authenticator.type, auth.type)
    t.same(await authenticator.credentials(), credentials, auth.type)
    t.equal(authenticator.rejected({ authorization: 'anything' }), false, 'a refused static secret changes nothing')
  }
  t.same(await createAuthenticator('v', undefined, ENV).credentials(), { headers: {}, query: {} })
})

test('an authenticator hides its secrets, as written and as encoded on the wire', async (t) => {
  const basic = createAuthenticator('v', { type: 'basic', username: 'svc', password: { env: 'PASS' } }, ENV)
  const encoded = Buffer.from('svc:p-SECRET-5678').toString('base64')
  t.equal(basic.redact(`got p-SECRET-5678 and Basic ${encoded}`), 'got [redacted] and Basic [redacted]')
  const query = createAuthenticator('v', { type: 'query', name: 'key', value: { env: 'Q' } }, { Q: 'a b/c+d' })
  t.equal(query.redact('GET /x?key=a+b%2Fc%2Bd and /x?key=a%20b%2Fc%2Bd'), 'GET /x?key=[redacted] and /x?key=[redacted]')
})

test('an OAuth2 authenticator reads its client secret at start, and only a bearer header can be refused', async (t) => {
  const oauth: Auth = { type: 'oauth2-client-credentials', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientSecret: { env: 'CS' } }
  t.throws(() => createAuthenticator('v', oauth, {}), { message: 'vendor "v": auth.clientSecret: environment variable CS is not set' })
  const authenticator = createAuthenticator('v', oauth, { CS: 'cs-SECRET-9' })
  t.equal(authenticator.rejected({}), false)
  t.equal(authenticator.rejected({ authorization: 'Bearer old' }), true, 'the next call fetches another token')
  t.equal(authenticator.redact('secret cs-SECRET-9'), 'secret [redacted]')
})

test("basic auth takes the user name from the environment and an empty password: Stripe's key as the user name", async (t) => {
  const stripe = createAuthenticator('v', { type: 'basic', username: { env: 'KEY' } }, ENV)
  const encoded = Buffer.from('k-SECRET-1234:').toString('base64')
  t.same(await stripe.credentials(), { headers: { authorization: `Basic ${encoded}` }, query: {} })
  t.equal(stripe.redact(`key k-SECRET-1234, header Basic ${encoded}`), 'key [redacted], header Basic [redacted]')
  const both = createAuthenticator('v', { type: 'basic', username: { env: 'KEY' }, password: { env: 'PASS' } }, ENV)
  t.same(await both.credentials(), { headers: { authorization: `Basic ${Buffer.from('k-SECRET-1234:p-SECRET-5678').toString('base64')}` }, query: {} })
  t.throws(() => createAuthenticator('v', { type: 'basic', username: { env: 'SID' } }, ENV), {
    message: 'vendor "v": auth.username: environment variable SID is not set'
  })
})
