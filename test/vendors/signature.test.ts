import { test } from 'tap'
import { sign, verify } from '../../vendors/signature.js'

const secret = 'a-test-secret'
const body = '{"request_id":"x","result":{"a":1}}'

test('a signature made with the secret verifies over the same raw bytes', async (t) => {
  t.same(verify(secret, body, sign(secret, body, 1000), 1000), { ok: true })
  t.same(verify(secret, Buffer.from(body), sign(secret, body, 1000), 1010), { ok: true })
})

test('a changed body, another secret or a missing header is rejected', async (t) => {
  const header = sign(secret, body, 1000)
  t.same(verify(secret, `${body} `, header, 1000), { ok: false, reason: 'signature does not match' })
  t.same(verify('another-secret', body, header, 1000), { ok: false, reason: 'signature does not match' })
  t.same(verify(secret, body, undefined, 1000), { ok: false, reason: 'missing X-Signature header' })
})

test('a signature older or newer than five minutes is stale', async (t) => {
  const header = sign(secret, body, 1000)
  t.same(verify(secret, body, header, 1000 + 301), { ok: false, reason: 'stale signature timestamp' })
  t.same(verify(secret, body, header, 1000 - 301), { ok: false, reason: 'stale signature timestamp' })
  t.same(verify(secret, body, header, 1000 + 300), { ok: true })
})

test('a malformed header is rejected without throwing', async (t) => {
  for (const header of ['garbage', 't=abc,v1=00', 'v1=00', 't=1000', '=x,t=1000']) {
    t.same(verify(secret, body, header, 1000), { ok: false, reason: 'malformed X-Signature header' }, header)
  }
  t.same(verify(secret, body, 't=1000,v1=zz', 1000), { ok: false, reason: 'signature does not match' })
})

test('any of several v1 values may match, so that secrets can be rotated', async (t) => {
  const good = sign(secret, body, 1000).split(',')[1]
  t.same(verify(secret, body, `t=1000,v1=${'0'.repeat(64)},${good}`, 1000), { ok: true })
})

test('a missing or empty body is rejected without throwing, whatever the header says', async (t) => {
  for (const raw of [undefined, '', Buffer.alloc(0)]) {
    t.same(verify(secret, raw, sign(secret, '', 1000), 1000), { ok: false, reason: 'missing or empty body' }, String(raw))
  }
})
