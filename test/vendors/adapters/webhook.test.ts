import { test } from 'tap'
import { MappingError } from '../../../vendors/adapters/errors.js'
import { compileVendor } from '../../../vendors/adapters/mapping.js'
import { readCallback, readForm, verifyCallback } from '../../../vendors/adapters/webhook.js'
import { sign } from '../../../vendors/signature.js'

const URL = 'http://127.0.0.1:9'
const ours = compileVendor('asyncVendor', { mode: 'async', url: URL, webhookSecret: 'the-async-secret' }, { env: {} })

test('by default a callback is ours: X-Signature, and request_id, result and error in the body', async (t) => {
  const raw = '{"request_id":"r-1","result":{"a":1}}'
  t.same(await verifyCallback(ours, raw, { 'x-signature': sign('the-async-secret', raw) }), { ok: true })
  t.same(await verifyCallback(ours, raw, {}), { ok: false, reason: 'missing X-Signature header' })
  t.same(await readCallback(ours, { headers: {}, body: JSON.parse(raw) }), { requestId: 'r-1', result: { a: 1 } })
  t.same(await readCallback(ours, { headers: {}, body: { request_id: 'r-1', error: 'vendor gave up' } }), { requestId: 'r-1', error: 'vendor gave up' })
  t.same(await readCallback(ours, { headers: {}, body: { request_id: 'r-1' } }), { requestId: 'r-1' })
})

test('a callback that names no job is malformed for its vendor', async (t) => {
  await t.rejects(readCallback(ours, { headers: {}, body: { result: 1 } }), new MappingError('asyncVendor', 'webhook.requestId', 'yielded nothing: the callback names no job'))
  await t.rejects(readCallback(ours, { headers: {}, body: 'text' }), { name: 'MappingError' })
  await t.rejects(readCallback(ours, { headers: {}, body: { request_id: { id: 1 } } }), { message: 'vendor "asyncVendor": webhook.requestId: yielded an object, expected a string' })
})

test('webhook expressions may read the headers, and the vendor\'s id may be a number', async (t) => {
  const theirs = compileVendor('t', {
    mode: 'async',
    url: URL,
    webhook: {
      signature: { scheme: 'hmac', header: 'X-Sig', encoding: 'hex' },
      secret: { env: 'S' },
      vendorRef: 'body.job',
      requestId: "headers.'x-correlation-id'",
      result: '{ "rows": body.rows }',
      error: "body.state = 'failed' ? 'failed: ' & body.why"
    }
  }, { env: { S: 'hmac-secret' } })
  t.same(await readCallback(theirs, { headers: { 'x-correlation-id': 'r-9' }, body: { job: 4711, rows: [1] } }), { requestId: 'r-9', vendorRef: '4711', result: { rows: [1] } })
  t.same(await readCallback(theirs, { headers: {}, body: { job: 'j', state: 'failed', why: 'no data' } }), { vendorRef: 'j', error: 'failed: no data' })
  await t.rejects(readCallback(theirs, { headers: {}, body: {} }), { message: 'vendor "t": webhook.vendorRef: yielded nothing: the callback names no job' })
})

test('a vendor that is not async takes no callbacks', async (t) => {
  const sync = compileVendor('s', { mode: 'sync', url: URL }, { env: {} })
  t.same(await verifyCallback(sync, '{}', {}), { ok: false, reason: "the vendor's mode is sync: it sends no callbacks" })
  await t.rejects(readCallback(sync, { headers: {}, body: {} }), { name: 'MappingError' })
})

test('a form callback\'s repeated name lists its values in order, and its params are sorted as Twilio signs them', async (t) => {
  const { body, params } = readForm('b=2&a=1&b=3&__proto__=x') as { body: Record<string, unknown>, params: Array<{ name: string, value: string }> }
  t.same(Object.entries(body), [['b', ['2', '3']], ['a', '1'], ['__proto__', 'x']])
  t.equal(Object.getPrototypeOf(body), null, 'a field named __proto__ stays a field')
  t.same(params.map((p) => `${p.name}=${p.value}`), ['__proto__=x', 'a=1', 'b=2', 'b=3'])
})

test('a form of more than 1,000 fields is not read at all: its fields are counted before any is parsed', async (t) => {
  t.equal(readForm('a&'.repeat(200_000)), undefined)
  t.equal(readForm(`${'a=1&'.repeat(999)}a=1`)?.params.length, 1000, 'a thousand are read')
})
