import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Webhook signatures in the scheme Stripe and Svix use:
 * `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 * The timestamp is signed too, so a captured request cannot be replayed later than the tolerance.
 */
export const SIGNATURE_HEADER = 'x-signature'
const DEFAULT_TOLERANCE_S = 300

export function sign (secret: string, rawBody: string | Buffer, nowS = Math.floor(Date.now() / 1000)): string {
  return `t=${nowS},v1=${digest(secret, nowS, rawBody)}`
}

export type SignatureCheck = { ok: true } | { ok: false, reason: string }

export function verify (
  secret: string,
  rawBody: string | Buffer | undefined,
  header: string | undefined,
  nowS = Math.floor(Date.now() / 1000),
  toleranceS = DEFAULT_TOLERANCE_S,
  /** How the header is named in a reason: Stripe's own is Stripe-Signature. */
  name = 'X-Signature'
): SignatureCheck {
  if (header === undefined || header === '') return { ok: false, reason: `missing ${name} header` }
  // A request without a body has nothing a vendor would sign (and the HMAC cannot digest undefined).
  if (rawBody === undefined || rawBody.length === 0) return { ok: false, reason: 'missing or empty body' }
  const parts = new Map<string, string[]>()
  for (const item of header.split(',')) {
    const at = item.indexOf('=')
    if (at <= 0) return { ok: false, reason: `malformed ${name} header` }
    const key = item.slice(0, at).trim()
    const values = parts.get(key)
    if (values === undefined) parts.set(key, [item.slice(at + 1).trim()])
    else values.push(item.slice(at + 1).trim())
  }
  const t = parts.get('t')?.[0]
  const candidates = parts.get('v1') ?? []
  if (t === undefined || !/^\d+$/.test(t) || candidates.length === 0) {
    return { ok: false, reason: `malformed ${name} header` }
  }
  const ts = Number(t)
  if (Math.abs(nowS - ts) > toleranceS) return { ok: false, reason: 'stale signature timestamp' }
  const expected = Buffer.from(digest(secret, ts, rawBody), 'hex')
  // Several v1 values are allowed so that a vendor can sign with an old and a new secret while rotating.
  const match = candidates.some((hex) => {
    const given = Buffer.from(hex, 'hex')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
  return match ? { ok: true } : { ok: false, reason: 'signature does not match' }
}

function digest (secret: string, ts: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${ts}.`).update(rawBody).digest('hex')
}
