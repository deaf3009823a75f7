import { type Test, test } from 'tap'
import { compileVendor } from '../../../vendors/adapters/mapping.js'
import { createVendorClient } from '../../../vendors/client.js'
import { mergeVendors, type VendorEntry } from '../../../vendors/config.js'
import { UnrecoverableVendorError } from '../../../vendors/errors.js'
import type { TestContext } from '../../helper.js'
import { type Exchange, startPublishedVendor } from './published.js'

/**
 * The adapters against mocks generated from Stripe's, Twilio's and GitHub's own OpenAPI documents: each call
 * must be one the vendor's document allows, as Stoplight Prism judges it.
 */

const ENV = { STRIPE_API_KEY: 'sk_test_4eC39HqLyjWDarjtT1zdp7dc', TWILIO_AUTH_TOKEN: 'f3a9c1d27b8e4f60a5d2c9e1b7f4a803', GITHUB_TOKEN: 'ghp_publishedDocumentsTestToken0000000' }
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef'
const BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xc2, 0xff, 0xfe, 0x80, 0x0d, 0x0a, 0x2d, 0x2d])

/** A vendor as the service runs it: its entry merged and compiled, and the client a worker calls it with. */
function clientFor (t: TestContext, name: string, entry: VendorEntry) {
  // Prism answers with what the document's examples give, often nothing: the result is the status.
  const config = mergeVendors({}, { [name]: { response: { result: "{ 'status': status }" }, ...entry } }).get(name)
  if (config === undefined) throw new Error('no vendor')
  const client = createVendorClient(config, compileVendor(name, config, { env: ENV }))
  t.teardown(() => client.close())
  return (payload: Record<string, unknown>, more: { type?: string, callbackUrl?: string } = {}) =>
    client.call({ requestId: '0f8fad5b-d9cb-469f-a165-70867728950e', payload, attempt: 1, ...more })
}

/** The one exchange a call made, which Prism found nothing wrong with. */
function accepted (t: Test, exchanges: Exchange[]): Exchange {
  const exchange = exchanges.at(-1)
  if (exchange === undefined) throw new Error('no call reached the vendor')
  t.same(exchange.violations, [], `Prism found no violation in ${exchange.method} ${exchange.url}`)
  t.ok(exchange.status >= 200 && exchange.status < 300, `answered ${exchange.status}`)
  return exchange
}

const stripe = (url: string): VendorEntry => ({
  mode: 'sync',
  url,
  auth: { type: 'basic', username: { env: 'STRIPE_API_KEY' } },
  types: {
    customer: { payload: { type: 'object' }, request: { path: "'/v1/customers'", encoding: 'form', body: 'payload' } },
    file: {
      payload: { type: 'object' },
      request: {
        path: "'/v1/files'",
        encoding: 'multipart',
        // Prism reads an absent deepObject as an empty one and then misses its required `create`: we name it.
        body: "{ 'purpose': payload.purpose, 'file_link_data': { 'create': false }, 'file': { 'base64': payload.content, 'filename': payload.filename, 'contentType': 'image/png' } }"
      }
    },
    customers: { payload: { type: 'object' }, request: { method: 'GET', path: "'/v1/customers'", query: { limit: 'payload.limit', 'expand[]': 'payload.expand' } } }
  }
})

test("Stripe: a form POST with nested metadata and arrays, behind Basic auth with the key as user name, is one Stripe's document allows", async (t) => {
  const { url, exchanges } = await startPublishedVendor(t, 'stripe')
  const call = clientFor(t, 'stripe', stripe(url))
  const outcome = await call({ email: 'ada@example.com', name: 'Ada', metadata: { order: 'A-1', team: 'growth' }, preferred_locales: ['en', 'fr'], expand: ['tax'] }, { type: 'customer' })
  t.match(outcome, { kind: 'result' })
  const exchange = accepted(t, exchanges)
  t.equal(exchange.headers['content-type'], 'application/x-www-form-urlencoded')
  t.equal(exchange.headers.authorization, `Basic ${Buffer.from(`${ENV.STRIPE_API_KEY}:`).toString('base64')}`)
  t.same([...new URLSearchParams(exchange.raw.toString())], [
    ['email', 'ada@example.com'], ['name', 'Ada'], ['metadata[order]', 'A-1'], ['metadata[team]', 'growth'],
    ['preferred_locales[]', 'en'], ['preferred_locales[]', 'fr'], ['expand[]', 'tax']
  ], 'no type= among the fields')
  t.equal(exchange.headers['idempotency-key'], '0f8fad5b-d9cb-469f-a165-70867728950e')

  const wrong = await call({ balance: 'a lot' }, { type: 'customer' }).catch((e: unknown) => e)
  t.type(wrong, UnrecoverableVendorError, 'a call breaking the document fails')
  t.match(exchanges.at(-1)?.violations, [{ location: ['request', 'body', 'balance'] }], 'and Prism says why: the test would fail on it')
})

test('Stripe: a multipart file upload arrives byte for byte, and Prism finds it valid', async (t) => {
  const { url, exchanges } = await startPublishedVendor(t, 'stripe')
  const call = clientFor(t, 'stripe', stripe(url))
  t.match(await call({ purpose: 'dispute_evidence', filename: 'evidence.png', content: BYTES.toString('base64') }, { type: 'file' }), { kind: 'result' })
  const exchange = accepted(t, exchanges)
  const form = await new Response(exchange.raw, { headers: { 'content-type': String(exchange.headers['content-type']) } }).formData()
  const file = form.get('file') as File
  t.equal(file.name, 'evidence.png')
  t.equal(file.type, 'image/png')
  t.same(Buffer.from(await file.arrayBuffer()), BYTES, 'the bytes at the vendor are the bytes sent: 0x89, 0xc2 and CRLF-- untouched')
  t.equal(form.get('purpose'), 'dispute_evidence')
})

test('Stripe: a GET with an array in its query', async (t) => {
  const { url, exchanges } = await startPublishedVendor(t, 'stripe')
  const call = clientFor(t, 'stripe', stripe(url))
  t.match(await call({ limit: 3, expand: ['data.tax', 'data.sources'] }, { type: 'customers' }), { kind: 'result' })
  t.equal(accepted(t, exchanges).url, '/v1/customers?limit=3&expand%5B%5D=data.tax&expand%5B%5D=data.sources')
  await t.rejects(call({ limit: 'ten' }, { type: 'customers' }), UnrecoverableVendorError)
  t.match(exchanges.at(-1)?.violations, [{ location: ['request', 'query', 'limit'] }])
})

test("Twilio: a form POST to the account's Messages.json behind Basic auth, with the callback URL", async (t) => {
  const { url, exchanges } = await startPublishedVendor(t, 'twilio')
  const call = clientFor(t, 'twilio', {
    mode: 'async',
    url,
    webhookSecret: 'twilio-callback-secret',
    auth: { type: 'basic', username: ACCOUNT_SID, password: { env: 'TWILIO_AUTH_TOKEN' } },
    request: {
      path: `'/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json'`,
      encoding: 'form',
      body: "{ 'To': payload.to, 'From': payload.from, 'Body': payload.text, 'StatusCallback': callback_url }"
    }
  })
  const callbackUrl = 'https://vfs.example.test/vendor-webhook/twilio?ref=1-0%231'
  t.match(await call({ to: '+15005550006', from: '+15005550009', text: 'Ünïcode & more' }, { callbackUrl }), { kind: 'accepted' })
  const exchange = accepted(t, exchanges)
  t.equal(exchange.headers.authorization, `Basic ${Buffer.from(`${ACCOUNT_SID}:${ENV.TWILIO_AUTH_TOKEN}`).toString('base64')}`)
  t.same(Object.fromEntries(new URLSearchParams(exchange.raw.toString())), { To: '+15005550006', From: '+15005550009', Body: 'Ünïcode & more', StatusCallback: callbackUrl })
  const anonymous = clientFor(t, 'anonymous', { mode: 'async', url, webhookSecret: 'twilio-callback-secret', request: { path: `'/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json'`, encoding: 'form', body: "{ 'To': '+15005550006' }" } })
  await t.rejects(anonymous({}, { callbackUrl }), UnrecoverableVendorError, 'without Basic auth the document refuses the call')
})

test('GitHub: GETs with path parameters and query parameters, one of them an array', async (t) => {
  const { url, exchanges } = await startPublishedVendor(t, 'github')
  const call = clientFor(t, 'github', {
    mode: 'sync',
    url,
    auth: { type: 'bearer', token: { env: 'GITHUB_TOKEN' } },
    // GitHub's own media type is refused by Prism, which offers only the document's application/json.
    request: { method: 'GET', headers: { 'X-GitHub-Api-Version': "'2022-11-28'" } },
    types: {
      issues: {
        payload: { type: 'object' },
        request: {
          path: "'/repos/' & $encodeUrlComponent(payload.owner) & '/' & $encodeUrlComponent(payload.repo) & '/issues'",
          query: { labels: "$join(payload.labels, ',')", state: "'open'", per_page: 'payload.perPage' }
        }
      },
      migrations: {
        payload: { type: 'object' },
        request: { path: "'/orgs/' & $encodeUrlComponent(payload.org) & '/migrations'", query: { exclude: 'payload.exclude', per_page: '5' } }
      }
    }
  })
  t.match(await call({ owner: 'octo-org', repo: 'hello.world', labels: ['bug', 'ui'], perPage: 10 }, { type: 'issues' }), { kind: 'result' })
  t.equal(accepted(t, exchanges).url, '/repos/octo-org/hello.world/issues?labels=bug%2Cui&state=open&per_page=10')
  t.match(await call({ org: 'acme', exclude: ['repositories'] }, { type: 'migrations' }), { kind: 'result' })
  t.equal(accepted(t, exchanges).url, '/orgs/acme/migrations?exclude=repositories&per_page=5')
  await t.rejects(call({ org: 'acme', exclude: ['everything'] }, { type: 'migrations' }), UnrecoverableVendorError)
  t.match(exchanges.at(-1)?.violations, [{ message: /^Request query parameter exclude\.0 must be equal to one of the allowed values/ }], 'a value the document does not list is a violation')
})
