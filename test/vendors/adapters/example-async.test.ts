import { test } from 'tap'
import { readAnswer } from '../../../vendors/adapters/answer.js'
import { buildRequest } from '../../../vendors/adapters/request.js'
import { readCallback, verifyCallback } from '../../../vendors/adapters/webhook.js'
import { call, compileExample, ENV, send, startExampleMock, startReceiver, until } from './example.js'

for (const [name, header] of [['enrichVendor', 'webhook-signature'], ['enrichHmacVendor', 'x-hub-signature-256']] as const) {
  test(`${name}: accepted under its own id, called back with that id, signed, and read into the job's result`, async (t) => {
    const { callbackUrl, deliveries } = await startReceiver(t)
    const { origin } = await startExampleMock(t, name)
    const vendor = compileExample(name, origin)
    const job = call({ company: 'Acme' }, { callbackUrl })
    const req = await buildRequest(vendor, job)
    t.match(req, { method: 'POST', path: '/v1/jobs', headers: { authorization: /^Basic / } })
    t.same(JSON.parse(String(req.body ?? '')), { task: 'enrich', input: { company: 'Acme' }, notify_url: callbackUrl })
    const accepted = await readAnswer(vendor, undefined, req, await send(req))
    t.match(accepted, { kind: 'accepted', vendorRef: /^job_/ })
    const vendorRef = (accepted as { vendorRef: string }).vendorRef

    t.ok(await until(() => deliveries.length === 1), 'called back')
    const [delivery] = deliveries
    if (delivery === undefined) return
    t.ok(delivery.headers[header], `signed with ${header}`)
    t.same(await verifyCallback(vendor, delivery.raw, delivery.headers), { ok: true })
    t.same(await readCallback(vendor, { headers: delivery.headers, body: JSON.parse(delivery.raw.toString()) }), {
      vendorRef,
      result: { company: 'Acme', enriched: true, score: 0.87 }
    })
    t.match(await verifyCallback(vendor, Buffer.from(delivery.raw.toString().replace('Acme', 'Evil')), delivery.headers), { ok: false })
  })
}

test('a job the async vendor could not do is called back as failed, and read as the error', async (t) => {
  const { callbackUrl, deliveries } = await startReceiver(t)
  const { origin } = await startExampleMock(t, 'enrichVendor')
  const vendor = compileExample('enrichVendor', origin)
  const req = await buildRequest(vendor, call({ simulate: 'failure' }, { callbackUrl }))
  const accepted = await readAnswer(vendor, undefined, req, await send(req)) as { vendorRef: string }
  t.ok(await until(() => deliveries.length === 1))
  const delivery = deliveries[0]
  if (delivery === undefined) return
  t.same(await verifyCallback(vendor, delivery.raw, delivery.headers), { ok: true })
  t.same(await readCallback(vendor, { headers: delivery.headers, body: JSON.parse(delivery.raw.toString()) }), {
    vendorRef: accepted.vendorRef,
    error: 'the input could not be enriched'
  })
})

test("a second call with the same Idempotency-Key gets the vendor's first id back, and no second callback", async (t) => {
  const { callbackUrl, deliveries } = await startReceiver(t)
  const { origin } = await startExampleMock(t, 'enrichVendor')
  const vendor = compileExample('enrichVendor', origin)
  const req = await buildRequest(vendor, call({ n: 1 }, { callbackUrl }))
  const first = await readAnswer(vendor, undefined, req, await send(req))
  const again = await readAnswer(vendor, undefined, req, await send(req))
  t.same(again, first)
  t.ok(await until(() => deliveries.length === 1))
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(deliveries.length, 1)
})

test("a callback signed with another vendor's secret, or the other scheme, is rejected", async (t) => {
  const { callbackUrl, deliveries } = await startReceiver(t)
  const std = await startExampleMock(t, 'enrichVendor')
  const hmac = await startExampleMock(t, 'enrichHmacVendor')
  const stdVendor = compileExample('enrichVendor', std.origin)
  const hmacVendor = compileExample('enrichHmacVendor', hmac.origin)
  const req = await buildRequest(hmacVendor, call({ n: 1 }, { callbackUrl }))
  await readAnswer(hmacVendor, undefined, req, await send(req))
  t.ok(await until(() => deliveries.length === 1))
  const delivery = deliveries[0]
  if (delivery === undefined) return
  t.same(await verifyCallback(stdVendor, delivery.raw, delivery.headers), { ok: false, reason: 'missing webhook-id header' })
  const wrongSecret = compileExample('enrichHmacVendor', hmac.origin, { env: { ...ENV, ENRICH_HMAC_SECRET: 'hm-SECRET-another-one' } })
  t.same(await verifyCallback(wrongSecret, delivery.raw, delivery.headers), { ok: false, reason: 'signature does not match' })
})
