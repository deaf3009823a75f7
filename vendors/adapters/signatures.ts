import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { SIGNATURE_HEADER, type SignatureCheck, sign as signStripe, verify as verifyStripe } from '../signature.js'
import type { WebhookSignature } from './entry.js'

export type { SignatureCheck } from '../signature.js'

/** Request headers as Node and undici give them: lower-case names. */
export type IncomingHeaders = Record<string, string | string[] | undefined>

/** Checks a callback's raw bytes and headers. Never throws: every problem is a rejection with a reason. */
export type Verifier = (rawBody: Buffer | string | undefined, headers: IncomingHeaders) => SignatureCheck

/** Signs as a vendor would: the headers to send with `rawBody`. For the mock vendors and tests. */
export type Signer = (rawBody: string, opts?: { id?: string, nowS?: number }) => Record<string, string>

const STANDARD_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature']

/** Throws when the secret cannot serve the scheme (a Standard Webhooks secret must be `whsec_` and base64). */
export function createVerifier (signature: WebhookSignature, secret: string): Verifier {
  const check = checker(signature, secret)
  return (rawBody, headers) => {
    if (rawBody === undefined || rawBody.length === 0) return { ok: false, reason: 'missing or empty body' }
    try {
      return check(rawBody, headers)
    } catch {
      return { ok: false, reason: 'signature cannot be checked' }
    }
  }
}

function checker (signature: WebhookSignature, secret: string): (raw: Buffer | string, headers: IncomingHeaders) => SignatureCheck {
  switch (signature.scheme) {
    case 'stripe':
      return (raw, headers) => verifyStripe(secret, raw, header(headers, SIGNATURE_HEADER))
    case 'standard-webhooks': {
      const webhook = new Webhook(secret)
      return (raw, headers) => {
        const given: Record<string, string> = {}
        for (const name of STANDARD_HEADERS) {
          const value = header(headers, name)
          if (value === undefined || value === '') return { ok: false, reason: `missing ${name} header` }
          given[name] = value
        }
        try {
          webhook.verify(raw, given, { jsonParse: false })
          return { ok: true }
        } catch (err) {
          if (!(err instanceof WebhookVerificationError)) throw err
          return { ok: false, reason: standardReason(err.message) }
        }
      }
    }
    case 'hmac': {
      const { header: name, encoding, prefix = '' } = signature
      return (raw, headers) => {
        const value = header(headers, name.toLowerCase())
        if (value === undefined || value === '') return { ok: false, reason: `missing ${name} header` }
        if (!value.startsWith(prefix)) return { ok: false, reason: `malformed ${name} header` }
        const given = Buffer.from(value.slice(prefix.length), encoding)
        const expected = createHmac('sha256', secret).update(raw).digest()
        const match = given.length === expected.length && timingSafeEqual(given, expected)
        return match ? { ok: true } : { ok: false, reason: 'signature does not match' }
      }
    }
  }
}

export function createSigner (signature: WebhookSignature, secret: string): Signer {
  switch (signature.scheme) {
    case 'stripe':
      return (raw, opts = {}) => ({ [SIGNATURE_HEADER]: signStripe(secret, raw, opts.nowS) })
    case 'standard-webhooks': {
      const webhook = new Webhook(secret)
      return (raw, opts = {}) => {
        const id = opts.id ?? `msg_${randomUUID()}`
        const nowS = opts.nowS ?? Math.floor(Date.now() / 1000)
        return {
          'webhook-id': id,
          'webhook-timestamp': String(nowS),
          'webhook-signature': webhook.sign(id, new Date(nowS * 1000), raw)
        }
      }
    }
    case 'hmac': {
      const { header: name, encoding, prefix = '' } = signature
      return (raw) => ({ [name.toLowerCase()]: `${prefix}${createHmac('sha256', secret).update(raw).digest(encoding)}` })
    }
  }
}

function header (headers: IncomingHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** The package's messages, in the words our other schemes use. */
function standardReason (message: string): string {
  if (message.startsWith('Message timestamp')) return 'stale signature timestamp'
  if (message === 'No matching signature found') return 'signature does not match'
  if (message === 'Invalid Signature Headers') return 'malformed webhook-timestamp header'
  return message
}
