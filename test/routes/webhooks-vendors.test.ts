import { createHmac, randomUUID } from 'node:crypto'
import { test } from 'tap'
import { buildTestApp, testConfig, type TestContext } from '../helper.js'

const STRIPE_SECRET = `whsec_${randomUUID().replaceAll('-', '')}`
const TWILIO_TOKEN = randomUUID().replaceAll('-', '')
const PUBLIC_URL = 'https://vfs.example.test'

/** Stripe's and Twilio's callbacks as their documentation describes them, configured as README's worked entries do. */
async function setup (t: TestContext) {
  Object.assign(process.env, { TEST_STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, TEST_TWILIO_AUTH_TOKEN: TWILIO_TOKEN })
  const app = await buildTestApp(t, testConfig({ WORKER: 'off', PUBLIC_URL }, {
    stripe: {
      mode: 'async',
      url: 'http://127.0.0.1:9',
      webhook: {
        signature: { scheme: 'stripe', header: 'Stripe-Signature' },
        secret: { env: 'TEST_STRIPE_WEBHOOK_SECRET' },
        requestId: 'body.data.object.metadata.request_id',
        result: 'body.data.object',
        error: "body.type = 'payment_intent.payment_failed' ? body.data.object.last_payment_error.message"
      }
    },
    twilio: {
      mode: 'async',
      url: 'http://127.0.0.1:9',
      accepted: { vendorRef: 'body.sid' },
      webhook: {
        signature: { scheme: 'hmac', header: 'X-Twilio-Signature', algorithm: 'sha1', encoding: 'base64', payload: 'url & $join(params.(name & value))' },
        secret: { env: 'TEST_TWILIO_AUTH_TOKEN' },
        vendorRef: 'body.MessageSid',
        result: "{ 'sid': body.MessageSid, 'status': body.MessageStatus }",
        error: "body.MessageStatus in ['failed', 'undelivered'] ? 'message ' & body.MessageStatus & ' (error ' & body.ErrorCode & ')'"
      }
    }
  }))
  /** A job as a worker leaves it once the vendor accepted the call, under the vendor's own id when given. */
  const waiting = async (vendor: string, vendorRef?: string): Promise<string> => {
    const id = (await app.inject({ method: 'POST', url: '/jobs', payload: { vendor, to: '+15005550006' } })).json().request_id as string
    const limits = app.vendors.get(vendor)
    if (limits === undefined) throw new Error(`no vendor ${vendor}`)
    const [delivery] = (await app.backend.queue.take(limits, 1, { reclaim: false })).deliveries
    if (delivery === undefined) throw new Error('nothing queued')
    await app.backend.store.transition(id, 'pending', { status: 'processing', attempts: 1, waiting: 'callback', ...(vendorRef === undefined ? {} : { vendorRef }) })
    await app.backend.queue.settle(limits, [{ delivery, status: 'processing', ...(vendorRef === undefined ? {} : { ref: { vendorRef, until: Date.now() + 60_000 } }) }])
    return id
  }
  return { app, waiting }
}

/** https://docs.stripe.com/webhooks#verify-manually: HMAC-SHA256 of "<t>.<payload>" with the endpoint secret, hex, as v1. */
function stripeSignature (payload: string, secret = STRIPE_SECRET, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex')}`
}

/** https://www.twilio.com/docs/usage/security#validating-requests: the full URL, then each POST parameter sorted by name with its value, HMAC-SHA1 with the auth token, base64. */
function twilioSignature (url: string, params: Record<string, string>, token = TWILIO_TOKEN): string {
  const data = url + Object.keys(params).sort().map((name) => name + params[name]).join('')
  return createHmac('sha1', token).update(Buffer.from(data, 'utf-8')).digest('base64')
}

test("a Stripe event signed in its Stripe-Signature header completes the job; a tampered one is 401", async (t) => {
  const { app, waiting } = await setup(t)
  const id = await waiting('stripe')
  const event = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1', amount: 2000, metadata: { request_id: id } } } })
  const post = (payload: string, signature: string) => app.inject({
    method: 'POST', url: '/vendor-webhook/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, payload
  })
  const tampered = await post(event.replace('2000', '1'), stripeSignature(event))
  t.equal(tampered.statusCode, 401)
  t.match(tampered.json(), { code: 'VFS_ERR_BAD_SIGNATURE', message: /signature does not match/ })
  t.equal((await post(event, stripeSignature(event, 'whsec_another'))).statusCode, 401, 'another secret')
  t.equal((await post(event, stripeSignature(event, STRIPE_SECRET, Math.floor(Date.now() / 1000) - 600))).statusCode, 401, 'too old')
  t.match((await post(event, '')).json(), { statusCode: 401, message: /missing Stripe-Signature header/ })
  t.match((await app.inject({ method: 'POST', url: '/vendor-webhook/stripe', headers: { 'content-type': 'application/json', 'x-signature': stripeSignature(event) }, payload: event })).json(),
    { statusCode: 401 }, 'the default header is not read for this vendor')
  const res = await post(event, stripeSignature(event))
  t.equal(res.statusCode, 200)
  t.match(res.json(), { request_id: id, outcome: 'applied', status: 'complete' })
  t.match(await app.backend.store.get(id), { status: 'complete', result: { id: 'pi_1', amount: 2000 } })
})

test('a Twilio status callback, form-encoded and signed over the URL and its sorted parameters, completes or fails the job; a tampered one is 401', async (t) => {
  const { app, waiting } = await setup(t)
  const sid = `SM${randomUUID().replaceAll('-', '')}`
  const id = await waiting('twilio', sid)
  const path = `/vendor-webhook/twilio?ref=${encodeURIComponent(sid)}`
  const params = { AccountSid: 'AC123', ApiVersion: '2010-04-01', From: '+15005550006', MessageSid: sid, MessageStatus: 'delivered', SmsSid: sid, SmsStatus: 'delivered', To: '+15005550009' }
  const post = (body: Record<string, string>, signature: string) => app.inject({
    method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: new URLSearchParams(body).toString()
  })
  const signature = twilioSignature(`${PUBLIC_URL}${path}`, params)
  t.equal((await post({ ...params, MessageStatus: 'failed' }, signature)).statusCode, 401, 'a changed parameter')
  t.equal((await post({ ...params, Extra: 'x' }, signature)).statusCode, 401, 'an added parameter')
  t.equal((await post(params, twilioSignature(`${PUBLIC_URL}/vendor-webhook/twilio`, params))).statusCode, 401, 'signed for another URL')
  t.equal((await post(params, twilioSignature(`${PUBLIC_URL}${path}`, params, 'another-token'))).statusCode, 401, 'another token')
  const res = await post(params, signature)
  t.equal(res.statusCode, 200, res.body)
  t.match(res.json(), { request_id: id, outcome: 'applied', status: 'complete' })
  t.match(await app.backend.store.get(id), { status: 'complete', result: { sid, status: 'delivered' } })

  const failedSid = `SM${randomUUID().replaceAll('-', '')}`
  const failing = await waiting('twilio', failedSid)
  const failedPath = `/vendor-webhook/twilio?ref=${failedSid}`
  const failed = { MessageSid: failedSid, MessageStatus: 'undelivered', ErrorCode: '30003' }
  const answer = await app.inject({
    method: 'POST', url: failedPath, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(`${PUBLIC_URL}${failedPath}`, failed) }, payload: new URLSearchParams(failed).toString()
  })
  t.match(answer.json(), { request_id: failing, status: 'failed' })
  t.match(await app.backend.store.get(failing), { error: 'message undelivered (error 30003)' })
})

test('only the webhook route takes form bodies: POST /jobs with one is still 415', async (t) => {
  const { app } = await setup(t)
  const res = await app.inject({ method: 'POST', url: '/jobs', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'vendor=syncVendor' })
  t.equal(res.statusCode, 415)
})
