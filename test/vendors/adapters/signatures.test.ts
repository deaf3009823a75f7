import { test } from 'tap'
import type { WebhookSignature } from '../../../vendors/adapters/entry.js'
import { createSigner, createVerifier } from '../../../vendors/adapters/signatures.js'
import { sign as signStripe } from '../../../vendors/signature.js'

const body = '{"type":"job.completed","data":{"id":"job_1","output":{"a":1}}}'
const GITHUB: WebhookSignature = { scheme: 'hmac', header: 'X-Hub-Signature-256', encoding: 'hex', prefix: 'sha256=' }
const SCHEMES: Array<[string, WebhookSignature, string]> = [
  ['stripe', { scheme: 'stripe' }, 'a-stripe-style-secret'],
  ['standard-webhooks', { scheme: 'standard-webhooks' }, `whsec_${Buffer.from('a standard webhooks key').toString('base64')}`],
  ['hmac hex with a prefix (GitHub)', GITHUB, 'a-github-secret'],
  ['hmac base64 without a prefix', { scheme: 'hmac', header: 'X-Signature-B64', encoding: 'base64' }, 'a-base64-secret']
]

for (const [name, scheme, secret] of SCHEMES) {
  test(`${name}: what the signer signs verifies, over the same bytes as a string or a Buffer`, async (t) => {
    const headers = createSigner(scheme, secret)(body)
    const verify = createVerifier(scheme, secret)
    t.same(await verify(body, headers), { ok: true })
    t.same(await verify(Buffer.from(body), headers), { ok: true })
  })

  test(`${name}: a changed body, another secret, no headers or an empty body is a rejection, never a throw`, async (t) => {
    const headers = createSigner(scheme, secret)(body)
    const verify = createVerifier(scheme, secret)
    t.same(await verify(`${body} `, headers), { ok: false, reason: 'signature does not match' })
    const other = scheme.scheme === 'standard-webhooks' ? `whsec_${Buffer.from('another key').toString('base64')}` : 'another-secret'
    t.same(await createVerifier(scheme, other)(body, headers), { ok: false, reason: 'signature does not match' })
    t.match(await verify(body, {}), { ok: false, reason: /^missing /i })
    t.same(await verify('', headers), { ok: false, reason: 'missing or empty body' })
    t.same(await verify(undefined, headers), { ok: false, reason: 'missing or empty body' })
    t.same(await verify(Buffer.alloc(0), headers), { ok: false, reason: 'missing or empty body' })
    const garbled = Object.fromEntries(Object.keys(headers).map((key) => [key, 'garbage,,==']))
    t.match(await verify(body, garbled), { ok: false, reason: String })
    t.match(await verify(body, Object.fromEntries(Object.keys(headers).map((key) => [key, '']))), { ok: false, reason: String })
  })
}

test('stripe: the scheme is our own X-Signature, checked by vendors/signature.ts', async (t) => {
  const verify = createVerifier({ scheme: 'stripe' }, 'shared-secret')
  t.same(await verify(body, { 'x-signature': signStripe('shared-secret', body) }), { ok: true })
  t.same(await verify(body, { 'x-signature': signStripe('shared-secret', body, Math.floor(Date.now() / 1000) - 301) }), {
    ok: false, reason: 'stale signature timestamp'
  })
})

test('standard-webhooks: the three headers, v1 in base64, a stale timestamp rejected, several signatures allowed', async (t) => {
  const secret = `whsec_${Buffer.from('rotating key').toString('base64')}`
  const sign = createSigner({ scheme: 'standard-webhooks' }, secret)
  const headers = sign(body, { id: 'msg_1' })
  t.equal(headers['webhook-id'], 'msg_1')
  t.match(headers['webhook-timestamp'], /^\d+$/)
  t.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/)
  const verify = createVerifier({ scheme: 'standard-webhooks' }, secret)
  t.same(await verify(body, sign(body, { nowS: Math.floor(Date.now() / 1000) - 301 })), { ok: false, reason: 'stale signature timestamp' })
  t.same(await verify(body, { ...headers, 'webhook-signature': `v1,AAAA ${headers['webhook-signature']}` }), { ok: true })
  t.same(await verify(body, { ...headers, 'webhook-id': 'msg_2' }), { ok: false, reason: 'signature does not match' }, 'the id is signed too')
  t.same(await verify(body, { ...headers, 'webhook-timestamp': 'soon' }), { ok: false, reason: 'malformed webhook-timestamp header' })
})

test('hmac: the GitHub header is sha256=<hex>, and one without its prefix is malformed', async (t) => {
  const headers = createSigner(GITHUB, 'gh-secret')(body)
  t.match(headers['x-hub-signature-256'], /^sha256=[0-9a-f]{64}$/)
  const verify = createVerifier(GITHUB, 'gh-secret')
  t.same(await verify(body, { 'x-hub-signature-256': (headers['x-hub-signature-256'] ?? '').slice(7) }), {
    ok: false, reason: 'malformed X-Hub-Signature-256 header'
  })
})

test('a Standard Webhooks secret that is not whsec_ and base64 is refused when the verifier is made', async (t) => {
  t.throws(() => createVerifier({ scheme: 'standard-webhooks' }, 'not base64 at all!'))
  t.throws(() => createVerifier({ scheme: 'standard-webhooks' }, 'whsec_'))
})
