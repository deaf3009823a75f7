import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { SIGNATURE_HEADER, type SignatureCheck, sign as signStripe, verify as verifyStripe } from '../signature.js'
import type { WebhookSignature } from './entry.js'

export type { SignatureCheck } from '../signature.js'

/** Request headers as Node and undici give them: lower-case names. */
export type IncomingHeaders = Record<string, string | string[] | undefined>

/** What else a callback's signature may cover: the URL it was sent to, and its body as read. */
export interface CallbackContext {
  /** The full URL the vendor called: the public base, path and query. */
  url: string
  /** The body parsed (JSON, or a form's fields); undefined when it is neither. */
  body: unknown
  /** A form body's fields sorted by name (code-point order, then by value), as Twilio signs them. */
  params: Array<{ name: string, value: string }>
}

/** What is signed when it is not the raw body: JSONata over {url, headers, body, raw, params}, yielding a string. */
export type SignedPayload = (input: Record<string, unknown>) => Promise<unknown>

/** Checks a callback's raw bytes and headers. Never rejects: every problem is a rejection with a reason. */
export type Verifier = (rawBody: Buffer | string | undefined, headers: IncomingHeaders, context?: CallbackContext) => Promise<SignatureCheck>

/** Signs as a vendor would: the headers to send with `rawBody`. For the mock vendors and tests. */
export type Signer = (rawBody: string, opts?: { id?: string, nowS?: number }) => Record<string, string>

const STANDARD_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature']

/** Throws when the secret cannot serve the scheme (a Standard Webhooks secret must be `whsec_` and base64). */
export function createVerifier (signature: WebhookSignature, secret: string, payload?: SignedPayload): Verifier {
  const check = checker(signature, secret, payload)
  return async (rawBody, headers, context) => {
    if (rawBody === undefined || rawBody.length === 0) return { ok: false, reason: 'missing or empty body' }
    try {
      return await check(rawBody, headers, context)
    } catch {
      return { ok: false, reason: 'signature cannot be checked' }
    }
  }
}

type Check = (raw: Buffer | string, headers: IncomingHeaders, context: CallbackContext | undefined) => SignatureCheck | Promise<SignatureCheck>

function checker (signature: WebhookSignature, secret: string, payload: SignedPayload | undefined): Check {
  switch (signature.scheme) {
    case 'stripe': {
      const name = signature.header ?? 'X-Signature'
      return (raw, headers) => verifyStripe(secret, raw, header(headers, name.toLowerCase()), undefined, undefined, name)
    }
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
      const { header: name, encoding, prefix = '', algorithm = 'sha256' } = signature
      return async (raw, headers, context) => {
        const value = header(headers, name.toLowerCase())
        if (value === undefined || value === '') return { ok: false, reason: `missing ${name} header` }
        if (!value.startsWith(prefix)) return { ok: false, reason: `malformed ${name} header` }
        let signed: Buffer | string = raw
        if (payload !== undefined) {
          const text = await payload({ url: context?.url, headers, body: context?.body, raw: raw.toString(), params: context?.params ?? [] })
          if (typeof text !== 'string') return { ok: false, reason: 'the signed payload cannot be built from this callback' }
          signed = text
        }
        const given = Buffer.from(value.slice(prefix.length), encoding)
        const expected = createHmac(algorithm, secret).update(signed).digest()
        const match = given.length === expected.length && timingSafeEqual(given, expected)
        return match ? { ok: true } : { ok: false, reason: 'signature does not match' }
      }
    }
  }
}

/** Signs the raw body by the scheme; a scheme that signs a `payload` of its own is signed by its mock, not here. */
export function createSigner (signature: WebhookSignature, secret: string): Signer {
  switch (signature.scheme) {
    case 'stripe': {
      const name = (signature.header ?? SIGNATURE_HEADER).toLowerCase()
      return (raw, opts = {}) => ({ [name]: signStripe(secret, raw, opts.nowS) })
    }
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
      const { header: name, encoding, prefix = '', algorithm = 'sha256' } = signature
      return (raw) => ({ [name.toLowerCase()]: `${prefix}${createHmac(algorithm, secret).update(raw).digest(encoding)}` })
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
