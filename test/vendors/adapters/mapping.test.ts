import { inspect } from 'node:util'
import { test } from 'tap'
import { AdapterConfigError } from '../../../vendors/adapters/errors.js'
import { compileVendor } from '../../../vendors/adapters/mapping.js'
import { ENV, EXAMPLE, exampleEntry, SECRET_VALUES } from './example.js'

const URL = 'http://127.0.0.1:9'
const people = {
  mode: 'sync',
  url: URL,
  auth: { type: 'bearer', token: { env: 'PEOPLE_API_KEY' } },
  request: { method: 'GET', path: "'/v2/people/find'", query: { email: 'payload.email' } }
}

/** The one-line start error compiling `entry` gives. */
function startError (entry: unknown, env: NodeJS.ProcessEnv = ENV): string {
  try {
    compileVendor('people', entry, { env })
  } catch (err) {
    if (!(err instanceof AdapterConfigError)) throw err
    if (err.message.includes('\n')) throw new Error(`not one line: ${err.message}`)
    return err.message
  }
  throw new Error('compiled without an error')
}

test('every vendor in vendors.example.json compiles with its variables set', async (t) => {
  for (const name of Object.keys(EXAMPLE)) {
    const vendor = compileVendor(name, exampleEntry(name, URL), { env: ENV })
    t.equal(vendor.name, name)
    t.equal(vendor.origin, URL)
  }
})

test('a bad expression is a start error naming the vendor and the field, with jsonata\'s words', async (t) => {
  t.match(startError({ ...people, request: { ...people.request, query: { email: 'payload.(' } } }),
    /^vendor "people": request\.query\.email: Expected "\)" before end of expression \(S0203 at 9\)$/)
  t.match(startError({ ...people, response: { result: 'body.person[' } }), /^vendor "people": response\.result: /)
  t.match(startError({ mode: 'sync', url: URL, types: { user_data: { payload: { type: 'object' }, request: { path: "'/u/' &" } } } }),
    /^vendor "people": types\.user_data\.request\.path: /)
  t.match(startError({ ...people, poll: undefined, mode: 'poll', accepted: { vendorRef: 'body.id' } }), /^vendor "people": poll\.done: /)
})

test('a path written without quotes gets a hint, as it is the mistake everyone makes once', async (t) => {
  t.match(startError({ ...people, request: { path: '/v2/people/find' } }),
    /^vendor "people": request\.path: .* \(a constant path is a quoted string: "'\/v2\/people\/find'"\)$/)
})

test('an unknown auth type, scheme or a missing field of one names what exists', async (t) => {
  t.equal(startError({ ...people, auth: { type: 'apikey', key: { env: 'X' } } }),
    'vendor "people": auth.type: "apikey" is not known (one of bearer, header, query, basic, oauth2-client-credentials)')
  t.equal(startError({ ...people, auth: { token: { env: 'X' } } }),
    'vendor "people": auth.type: is missing (one of bearer, header, query, basic, oauth2-client-credentials)')
  t.equal(startError({ ...people, auth: { type: 'bearer' } }), 'vendor "people": auth.token: Expected required property')
  t.equal(startError({ ...people, auth: { type: 'bearer', token: 'pk-inline-secret' } }), 'vendor "people": auth.token: Expected object')
  t.equal(startError({ mode: 'async', url: URL, webhook: { signature: { scheme: 'svix' } } }),
    'vendor "people": webhook.signature.scheme: "svix" is not known (one of stripe, standard-webhooks, hmac)')
  t.equal(startError({ mode: 'async', url: URL, webhook: { signature: { scheme: 'hmac', header: 'X-Sig' } } }),
    'vendor "people": webhook.signature.encoding: Expected required property')
})

test('a secret variable that is missing or empty is a start error naming the variable, never a value', async (t) => {
  t.equal(startError(people, {}), 'vendor "people": auth.token: environment variable PEOPLE_API_KEY is not set')
  t.equal(startError(people, { PEOPLE_API_KEY: '' }), 'vendor "people": auth.token: environment variable PEOPLE_API_KEY is not set')
  t.equal(startError(exampleEntry('companyVendor', URL), {}), 'vendor "people": auth.clientSecret: environment variable COMPANY_CLIENT_SECRET is not set')
  t.equal(startError(exampleEntry('enrichVendor', URL), { ENRICH_API_PASSWORD: 'x' }),
    'vendor "people": webhook.secret: environment variable ENRICH_WEBHOOK_SECRET is not set')
})

test('a poll vendor without poll.done, and fields that mean nothing in a mode, are start errors', async (t) => {
  t.equal(startError({ mode: 'poll', url: URL }), 'vendor "people": poll.done: a poll vendor needs poll.done (and poll.request, poll.intervalMs)')
  t.equal(startError({ mode: 'poll', url: URL, poll: { request: {}, intervalMs: 500 } }), 'vendor "people": poll.done: Expected required property')
  t.equal(startError({ ...people, poll: { request: {}, intervalMs: 500, done: 'true' } }), 'vendor "people": poll: means nothing to a sync vendor (only poll)')
  t.equal(startError({ ...people, accepted: { vendorRef: 'body.id' } }), 'vendor "people": accepted: means nothing to a sync vendor (only async or poll)')
})

test('an async vendor needs a secret that fits its scheme', async (t) => {
  t.equal(startError({ mode: 'async', url: URL }), 'vendor "people": webhook.secret: an async vendor needs a secret to verify its callbacks')
  t.equal(startError({ mode: 'async', url: URL, webhook: { signature: { scheme: 'standard-webhooks' }, secret: { env: 'W' } } }, { W: 'plain-words' }),
    'vendor "people": webhook.secret: is not a standard-webhooks secret (Standard Webhooks secrets are "whsec_" and base64)')
  t.ok(compileVendor('a', { mode: 'async', url: URL, webhookSecret: 'a-legacy-secret' }, { env: {} }).webhook, 'webhookSecret still serves the stripe scheme')
})

test('the mode, url and shape of the entry are checked too', async (t) => {
  t.equal(startError({ ...people, mode: 'stream' }), 'vendor "people": mode: must be one of "sync", "async", "poll"')
  t.equal(startError({ ...people, url: 'ftp://x' }), 'vendor "people": url: Expected string to match \'^https?://\'')
  t.equal(startError({ ...people, request: { ...people.request, verb: 'GET' } }), 'vendor "people": request.verb: Unexpected property')
  t.equal(startError({ ...people, request: { method: 'GET /x' } }), 'vendor "people": request.method: Expected string to match \'^[A-Za-z]{1,16}$\'')
  t.equal(startError({ mode: 'sync', url: URL, types: { t1: { payload: { type: 'array' } } } }),
    'vendor "people": types.t1.payload.type: Expected \'object\'')
})

test('a compiled vendor holds its secrets out of sight: neither JSON nor inspect shows them', async (t) => {
  for (const name of Object.keys(EXAMPLE)) {
    const vendor = compileVendor(name, exampleEntry(name, URL), { env: ENV })
    const text = `${JSON.stringify(vendor)}\n${inspect(vendor, { depth: 20, showHidden: true })}`
    t.same(SECRET_VALUES.filter((secret) => text.includes(secret)), [], name)
  }
})

test('each field of the third round is checked at start, one line naming the vendor and the field', async (t) => {
  const sync = { mode: 'sync', url: URL, request: { method: 'GET', path: "'/x'" } }
  const cases: Array<[unknown, RegExp]> = [
    [{ ...sync, request: { ...sync.request, encoding: 'xml' } }, /^vendor "people": request\.encoding: must be one of "json", "form", "multipart", "raw"$/],
    [{ ...sync, request: { ...sync.request, formArrays: 'commas' } }, /^vendor "people": request\.formArrays: must be one of "brackets", "repeat", "indices"$/],
    [{ ...sync, pages: { next: 'links.next' } }, /^vendor "people": pages\.items: /],
    [{ ...sync, pages: { next: 'links.(', items: 'body' } }, /^vendor "people": pages\.next: Expected/],
    [{ ...sync, pages: { next: 'links.next', items: 'body', maxPages: 0 } }, /^vendor "people": pages\.maxPages: Expected integer to be greater or equal to 1$/],
    [{ mode: 'sync', url: URL, pages: { next: 'links.next', items: 'body' } }, /^vendor "people": pages: needs a request mapping/],
    [{ mode: 'poll', url: URL, pages: { next: 'links.next', items: 'body' } }, /^vendor "people": pages: means nothing to a poll vendor \(only sync\)$/],
    [{ mode: 'async', url: URL, webhookSecret: 'a-secret-1', types: { a: { payload: { type: 'object' }, pages: { next: 'x', items: 'y' } } } }, /^vendor "people": types\.a\.pages: means nothing to a async vendor/],
    [{ ...sync, limits: { headers: { resetFormat: 'ms' } } }, /^vendor "people": limits\.headers\.resetFormat: /],
    [{ ...sync, limits: { headers: { remaining: 'Bad Header' } } }, /^vendor "people": limits\.headers\.remaining: /],
    [{ ...sync, response: { retryable: 'status = ' } }, /^vendor "people": response\.retryable: /],
    [{ ...sync, auth: { type: 'basic', username: { env: 'NO_SUCH_KEY' } } }, /^vendor "people": auth\.username: environment variable NO_SUCH_KEY is not set$/],
    [{ mode: 'async', url: URL, webhookSecret: 'a-secret-1', webhook: { signature: { scheme: 'stripe', header: 'Bad Header' } } }, /^vendor "people": webhook\.signature\.header: /],
    [{ mode: 'async', url: URL, webhookSecret: 'a-secret-1', webhook: { signature: { scheme: 'hmac', header: 'X-S', encoding: 'hex', algorithm: 'md5' } } }, /^vendor "people": webhook\.signature\.algorithm: must be one of "sha256", "sha1"$/],
    [{ mode: 'async', url: URL, webhookSecret: 'a-secret-1', webhook: { signature: { scheme: 'hmac', header: 'X-S', encoding: 'hex', payload: 'url &' } } }, /^vendor "people": webhook\.signature\.payload: /]
  ]
  for (const [entry, message] of cases) t.match(startError(entry), message, message.source)
})
