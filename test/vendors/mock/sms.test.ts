import { createHmac } from 'node:crypto'
import { test } from 'tap'
import { request } from 'undici'
import { buildMockSmsVendor, UNDELIVERABLE } from '../../../vendors/mock/sms.js'
import { startReceiver, until } from '../adapters/receiver.js'

const SID = 'AC0123456789abcdef0123456789abcdef'
const TOKEN = 'sms-auth-token'

test('a message is a form POST behind Basic auth; its final status is called back as a form, signed as Twilio documents', async (t) => {
  const { callbackUrl, deliveries } = await startReceiver(t)
  const mock = buildMockSmsVendor({ accountSid: SID, authToken: TOKEN, faults: { webhookDelayMinMs: 5, webhookDelayMaxMs: 10 } })
  t.teardown(() => mock.close())
  const url = await mock.listen({ port: 0, host: '127.0.0.1' })
  const send = (to: string, auth = `${SID}:${TOKEN}`) => request(`${url}/2010-04-01/Accounts/${SID}/Messages.json`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ To: to, From: '+15005550009', Body: 'hi', StatusCallback: `${callbackUrl}?ref=r1` }).toString()
  })
  const res = await send('+15005550006')
  t.equal(res.statusCode, 201)
  const { sid } = await res.body.json() as { sid: string }
  t.match(sid, /^SM[0-9a-f]{32}$/)
  t.ok(await until(() => deliveries.length === 1))
  const [delivery] = deliveries
  if (delivery === undefined) return
  t.equal(delivery.headers['content-type'], 'application/x-www-form-urlencoded')
  const params = Object.fromEntries(new URLSearchParams(delivery.raw.toString()))
  t.match(params, { MessageSid: sid, MessageStatus: 'delivered', To: '+15005550006', AccountSid: SID })
  // https://www.twilio.com/docs/usage/security#validating-requests, computed here by hand.
  const data = `${callbackUrl}?ref=r1${Object.keys(params).sort().map((key) => key + params[key]).join('')}`
  t.equal(delivery.headers['x-twilio-signature'], createHmac('sha1', TOKEN).update(data).digest('base64'))

  await (await send(UNDELIVERABLE)).body.dump()
  t.ok(await until(() => deliveries.length === 2))
  t.match(Object.fromEntries(new URLSearchParams(deliveries[1]?.raw.toString())), { MessageStatus: 'undelivered', ErrorCode: '30003' })
  t.equal((await send('+15005550006', `${SID}:wrong`)).statusCode, 401)
  t.equal((await send('not a number')).statusCode, 400)
})
