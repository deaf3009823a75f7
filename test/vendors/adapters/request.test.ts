import { test } from 'tap'
import { MappingError } from '../../../vendors/adapters/errors.js'
import { compileVendor } from '../../../vendors/adapters/mapping.js'
import { buildRequest } from '../../../vendors/adapters/request.js'
import { call, send } from './example.js'
import { startReceiver, type TestContext } from './receiver.js'

const JOB = call({ email: 'ada@example.com', tags: ['a', 'b'], n: 3, ok: true }, { callbackUrl: 'http://svc/vendor-webhook/v', type: undefined })

/** A vendor at a receiver whose `url` path is `/base?fixed=1`; returns what a sent request looked like on arrival. */
async function vendorAt (t: TestContext, entry: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const { callbackUrl, deliveries } = await startReceiver(t)
  const origin = new URL(callbackUrl).origin
  const vendor = compileVendor('v', { mode: 'sync', url: `${origin}/base?fixed=1`, ...entry }, { env })
  return {
    vendor,
    origin,
    async arrived (job = JOB) {
      const req = await buildRequest(vendor, job)
      await send(req)
      const last = deliveries.at(-1)
      if (last === undefined) throw new Error('nothing arrived')
      return { req, url: last.url, headers: last.headers, body: last.raw.toString() }
    }
  }
}

test('without a request mapping, a call is our protocol: POST to the url, JSON body, Idempotency-Key', async (t) => {
  const { arrived } = await vendorAt(t, {})
  const got = await arrived()
  t.equal(got.url, '/base?fixed=1')
  t.equal(got.req.method, 'POST')
  t.match(got.headers, { 'content-type': 'application/json', 'idempotency-key': JOB.requestId })
  t.same(JSON.parse(got.body), { request_id: JOB.requestId, payload: JOB.payload, callback_url: JOB.callbackUrl })
})

test('auth applies to our protocol too: a query key joins the url\'s own query', async (t) => {
  const { arrived } = await vendorAt(t, { auth: { type: 'query', name: 'key', value: { env: 'K' } } }, { K: 'k/1' })
  t.equal((await arrived()).url, '/base?fixed=1&key=k%2F1')
})

test('a mapped request: method, path on the origin, query with lists and scalars, headers, a JSON body', async (t) => {
  const { arrived } = await vendorAt(t, {
    request: {
      method: 'put',
      path: "'/v1/people/' & $encodeUrlComponent(payload.email)",
      query: { tag: 'payload.tags', n: 'payload.n', ok: 'payload.ok', absent: 'payload.nothing' },
      headers: { 'X-Attempt': 'attempt', 'X-Type': 'type' },
      body: "{ 'ref': request_id, 'hook': callback_url, 'vref': vendor_ref }"
    }
  })
  const got = await arrived({ ...JOB, attempt: 2, vendorRef: 'theirs-1' })
  t.equal(got.req.method, 'PUT')
  t.equal(got.url, '/v1/people/ada%40example.com?tag=a&tag=b&n=3&ok=true', 'the url\'s own path and query make way for the mapping\'s')
  t.match(got.headers, { 'x-attempt': '2', 'content-type': 'application/json', 'idempotency-key': JOB.requestId })
  t.notOk('x-type' in got.headers, 'a header that yields nothing is left out')
  t.same(JSON.parse(got.body), { ref: JOB.requestId, hook: JOB.callbackUrl, vref: 'theirs-1' })
})

test('a mapping without path or body keeps the url\'s path and sends no body', async (t) => {
  const { arrived } = await vendorAt(t, { request: { method: 'GET', query: { q: "'x'" } } })
  const got = await arrived()
  t.equal(got.url, '/base?fixed=1&q=x')
  t.equal(got.body, '')
  t.equal(got.req.body, undefined)
  t.notOk('content-type' in got.headers)
})

test('a string body goes as text, unless the mapping names its own content type', async (t) => {
  const text = await vendorAt(t, { request: { body: "'email=' & $encodeUrlComponent(payload.email)" } })
  t.match(await text.arrived(), { body: 'email=ada%40example.com', headers: { 'content-type': 'text/plain; charset=utf-8' } })
  const form = await vendorAt(t, { request: { headers: { 'Content-Type': "'application/x-www-form-urlencoded'" }, body: "'a=1'" } })
  t.match(await form.arrived(), { body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
})

test('a mapping may replace the Idempotency-Key or leave it out, but never the credentials', async (t) => {
  const own = await vendorAt(t, { request: { headers: { 'Idempotency-Key': "'mine-' & request_id" } } })
  t.equal((await own.arrived()).headers['idempotency-key'], `mine-${JOB.requestId}`)
  const none = await vendorAt(t, { request: { headers: { 'Idempotency-Key': 'payload.nothing' } } })
  t.notOk('idempotency-key' in (await none.arrived()).headers)
  const auth = await vendorAt(t, {
    auth: { type: 'bearer', token: { env: 'T' } },
    request: { headers: { Authorization: "'Bearer forged'" }, query: { key: "'forged'" } }
  }, { T: 'the-real-token' })
  t.equal((await auth.arrived()).headers.authorization, 'Bearer the-real-token')
  const query = await vendorAt(t, {
    auth: { type: 'query', name: 'key', value: { env: 'K' } },
    request: { query: { key: "'forged'" } }
  }, { K: 'the-real-key' })
  t.equal((await query.arrived()).url, '/base?fixed=1&key=the-real-key')
  const shadow = compileVendor('v', { mode: 'sync', url: 'http://127.0.0.1:9', auth: { type: 'query', name: 'key', value: { env: 'K' } }, request: { path: "'/x?key=forged'" } }, { env: { K: 'k' } })
  await t.rejects(buildRequest(shadow, JOB), { message: 'vendor "v": request.path: sets the query parameter key, which auth sets' })
})

test('a path that would leave the configured origin is refused, and the origin never changes', async (t) => {
  const vendor = compileVendor('v', { mode: 'sync', url: 'https://api.vendor.test/base', request: { path: 'payload.path' } }, { env: {} })
  for (const path of ['https://evil.test/x', '//evil.test/x', '/\\evil.test', 'relative/path', '/a b', '/a#frag', '/ünïcode', '']) {
    const err = await buildRequest(vendor, call({ path })).catch((e: unknown) => e)
    t.type(err, MappingError, JSON.stringify(path))
    t.match((err as Error).message, /^vendor "v": request\.path: yielded ".*", which is not a path on the vendor's origin/)
  }
  const ok = await buildRequest(vendor, call({ path: '/v1/x%20y/z.json?z=1&up=../x' }))
  t.same([ok.origin, ok.path], ['https://api.vendor.test', '/v1/x%20y/z.json?z=1&up=../x'], 'dots in a name or in the query are no segment')
})

test("a path built from a payload's '..', '.', %2e%2e or an encoded slash is refused however it is encoded", async (t) => {
  const vendor = compileVendor('v', { mode: 'sync', url: 'https://api.github.test', request: { method: 'GET', path: "'/users/' & payload.username" } }, { env: {} })
  const cases: Array<[string, RegExp]> = [
    ['../orgs/x', /climbs out of its path with a "\." or "\.\." segment/],
    ['./x', /climbs out/],
    ['a/../../orgs', /climbs out/],
    ['%2e%2e/orgs/x', /climbs out/],
    ['%2E%2E', /climbs out/],
    ['.%2e', /climbs out/],
    ['%252e%252e', /climbs out/],
    ['a%2Fb', /holds an encoded "\/"/],
    ['a%2fb', /holds an encoded "\/"/],
    ['a%5Cb', /holds an encoded/],
    ['a%252Fb', /holds an encoded/]
  ]
  for (const [username, reason] of cases) {
    const err = await buildRequest(vendor, call({ username })).catch((e: unknown) => e)
    t.type(err, MappingError, username)
    t.match((err as Error).message, reason, username)
    t.match((err as Error).message, /^vendor "v": request\.path: yielded "\/users\//, username)
  }
  const absolute = compileVendor('v', { mode: 'sync', url: 'https://api.github.test', request: { path: 'payload.url' } }, { env: {} })
  for (const url of ['https://evil.test/x', 'http://api.github.test/x', '//evil.test', 'javascript:alert(1)']) {
    await t.rejects(buildRequest(absolute, call({ url })), { name: 'MappingError' }, url)
  }
  t.equal((await buildRequest(vendor, call({ username: 'octo.cat..x' }))).path, '/users/octo.cat..x', 'dots within a name pass')
})

test('a type\'s request fields replace the vendor\'s one by one; the others are shared', async (t) => {
  const { arrived } = await vendorAt(t, {
    request: { method: 'POST', path: "'/shared'", headers: { 'X-Shared': "'yes'", 'X-Over': "'vendor'" }, body: "{ 'shared': true }" },
    types: {
      a: { payload: { type: 'object' } },
      b: { payload: { type: 'object' }, request: { method: 'GET', path: "'/b/' & payload.id", headers: { 'x-over': "'type'" }, body: 'payload.nothing' } }
    }
  })
  const a = await arrived(call({ id: 1 }, { type: 'a' }))
  t.match(a, { url: '/shared', body: '{"shared":true}', headers: { 'x-shared': 'yes', 'x-over': 'vendor' } })
  const b = await arrived(call({ id: 7 }, { type: 'b' }))
  t.match(b, { url: '/b/7', body: '', headers: { 'x-shared': 'yes', 'x-over': 'type' } })
  t.equal(b.req.method, 'GET')
})

test('a vendor that declares types maps the payload without `type`; one without types keeps it', async (t) => {
  const typed = await vendorAt(t, { request: { body: 'payload' }, types: { a: { payload: { type: 'object' } } } })
  t.same(JSON.parse((await typed.arrived(call({ type: 'a', id: 1 }, { type: 'a' }))).body), { id: 1 })
  const plain = await vendorAt(t, { request: { body: 'payload' } })
  t.same(JSON.parse((await plain.arrived(call({ type: 'a', id: 1 }))).body), { type: 'a', id: 1 })
})

test('a form body goes url-encoded, and its Content-Type is set unless the mapping names one', async (t) => {
  const form = await vendorAt(t, { request: { body: "{ 'amount': 2000, 'metadata': { 'ref': request_id }, 'expand': ['a', 'b'] }", encoding: 'form', formArrays: 'repeat' } })
  const got = await form.arrived()
  t.equal(got.headers['content-type'], 'application/x-www-form-urlencoded')
  t.equal(got.body, `amount=2000&metadata%5Bref%5D=${JOB.requestId}&expand=a&expand=b`)
})

test("a later page's call carries its own Idempotency-Key, its Link as it is, or its cursor over the mapped query", async (t) => {
  const { arrived } = await vendorAt(t, { request: { method: 'GET', path: "'/items'", query: { limit: "'2'", after: 'payload.nothing' } } })
  const pages = (next: Record<string, unknown>) => ({ ...JOB, pages: { items: [1], pages: 1, next, attempts: 1 } })
  const link = await arrived(pages({ link: '/items?page=2&per_page=2' }))
  t.equal(link.url, '/items?page=2&per_page=2')
  t.equal(link.headers['idempotency-key'], `${JOB.requestId}:page:2`)
  t.equal((await arrived(pages({ query: { after: ['c2'], limit: ['5'] } }))).url, '/items?after=c2&limit=5')
  t.equal((await arrived(pages({ path: '/items/more' }))).url, '/items/more?limit=2')
})
