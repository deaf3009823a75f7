import { createHmac, randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { acceptForms } from './forms.js'
import { createMockVendor, type MockVendorOptions } from './vendor.js'
import { type CallbackEncoder, createWebhookSender } from './webhooks.js'

export interface MockSmsOptions extends MockVendorOptions {
  /** Basic auth's user name, and the account in the path. */
  accountSid: string
  /** Basic auth's password, and the key of the callbacks' signatures. */
  authToken: string
}

/** A number Twilio's test credentials treat as unreachable: its messages end undelivered. */
export const UNDELIVERABLE = '+15005550001'
const E164 = /^\+[1-9][0-9]{6,14}$/

/**
 * Twilio's signature (its "Validating requests" page): HMAC-SHA1, with the auth token, of the callback's full
 * URL followed by each POST parameter's name and value, sorted by name; base64, in X-Twilio-Signature.
 */
function twilioSignature (authToken: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((name) => `${name}${params[name]}`).join('')
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64')
}

/**
 * An SMS vendor in Twilio's dialect: `POST /2010-04-01/Accounts/<sid>/Messages.json` with a form body (To,
 * From, Body, StatusCallback) behind Basic auth answers 201 with the message's own `sid`, then posts the
 * final status to StatusCallback as a form, signed as Twilio signs it.
 */
export function buildMockSmsVendor (opts: MockSmsOptions): FastifyInstance {
  const { app, faults, stats, admit } = createMockVendor(opts)
  acceptForms(app)
  const encode: CallbackEncoder = (url, body) => {
    const params = body as Record<string, string>
    return {
      raw: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(opts.authToken, url, params) }
    }
  }
  const webhooks = createWebhookSender({ encode, stats, log: app.log, retries: () => faults.webhookRetries })
  app.addHook('onClose', async () => webhooks.close())
  const basic = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`
  const problem = (status: number, code: number, message: string) => ({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status })

  app.post('/2010-04-01/Accounts/:sid/Messages.json', async (request, reply) => {
    const { sid } = request.params as { sid: string }
    if (request.headers.authorization !== basic || sid !== opts.accountSid) return reply.code(401).send(problem(401, 20003, 'Authenticate'))
    const form = request.body as URLSearchParams
    const [to, from, text, callback] = ['To', 'From', 'Body', 'StatusCallback'].map((name) => form.get(name) ?? '')
    if (!E164.test(to ?? '')) return reply.code(400).send(problem(400, 21211, `The 'To' number ${to} is not a valid phone number.`))
    if (!E164.test(from ?? '')) return reply.code(400).send(problem(400, 21212, `The 'From' number ${from} is not a valid phone number.`))
    const messageSid = `SM${randomBytes(16).toString('hex')}`
    if (!await admit(messageSid, reply)) return reply
    if (callback !== '' && Math.random() >= faults.webhookDropRate) {
      const delivered = to !== UNDELIVERABLE
      const status = {
        AccountSid: opts.accountSid, ApiVersion: '2010-04-01', From: from ?? '', MessageSid: messageSid, MessageStatus: delivered ? 'delivered' : 'undelivered',
        SmsSid: messageSid, SmsStatus: delivered ? 'delivered' : 'undelivered', To: to ?? '', ...(delivered ? {} : { ErrorCode: '30003' })
      }
      const { webhookDelayMinMs: min, webhookDelayMaxMs: max } = faults
      void webhooks.schedule(callback ?? '', status, min + Math.random() * (max - min), Math.random() < faults.webhookDuplicateRate ? 2 : 1)
    }
    return reply.code(201).send({ sid: messageSid, account_sid: opts.accountSid, to, from, body: text, status: 'queued', api_version: '2010-04-01' })
  })
  return app
}
