import { type Static, Type } from '@sinclair/typebox'
import { CacheEntry } from '../cache.js'

/**
 * The `VENDORS_FILE` fields of DESIGN "Adapters (v2)". The integrator spreads `AdapterFields` into
 * VendorEntry and uses `Mode` for its `mode`; `AdapterSource` is what compileVendor checks on its own.
 */

/** Secrets are never written in the file: an entry names the environment variable that holds one. */
export const SecretRef = Type.Object({
  env: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'name of the environment variable holding the secret' })
}, { additionalProperties: false })

const Expression = Type.String({ minLength: 1, description: 'a JSONata expression' })

const HeaderName = Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" })

export const RequestMapping = Type.Object({
  method: Type.Optional(Type.String({ pattern: '^[A-Za-z]{1,16}$', description: 'a plain word; default POST (GET for poll.request)' })),
  path: Type.Optional(Expression),
  query: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Expression)),
  // A Record's key pattern binds only with additionalProperties false; without it any key passes.
  headers: Type.Optional(Type.Record(HeaderName, Expression, { additionalProperties: false })),
  body: Type.Optional(Expression),
  encoding: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('form'), Type.Literal('multipart'), Type.Literal('raw')], {
    description: 'how `body` goes on the wire: json (default), form (x-www-form-urlencoded), multipart (form-data, files as bytes), raw (a string, or {base64} as bytes)'
  })),
  formArrays: Type.Optional(Type.Union([Type.Literal('brackets'), Type.Literal('repeat'), Type.Literal('indices')], {
    description: 'form and multipart arrays: a[]=1 (brackets, default), a=1&a=2 (repeat) or a[0]=1 (indices)'
  }))
}, { additionalProperties: false })

export const Auth = Type.Union([
  Type.Object({ type: Type.Literal('bearer'), token: SecretRef }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('header'), name: HeaderName, value: SecretRef }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('query'), name: Type.String({ minLength: 1 }), value: SecretRef }, { additionalProperties: false }),
  Type.Object({
    type: Type.Literal('basic'),
    username: Type.Union([Type.String(), SecretRef], { description: 'as written, or from the environment (an API key as the user name)' }),
    /** Absent: an empty password. */
    password: Type.Optional(SecretRef)
  }, { additionalProperties: false }),
  Type.Object({
    type: Type.Literal('oauth2-client-credentials'),
    tokenUrl: Type.String({ pattern: '^https?://' }),
    clientId: Type.String({ minLength: 1 }),
    clientSecret: SecretRef,
    scope: Type.Optional(Type.String({ minLength: 1 }))
  }, { additionalProperties: false })
])

export const ResponseMapping = Type.Object({
  result: Type.Optional(Expression),
  error: Type.Optional(Expression),
  retryOn: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { uniqueItems: true })),
  retryable: Type.Optional(Type.String({
    minLength: 1, description: 'a JSONata condition over {status, headers, body}: true marks the answer a rate limit or a transient failure, whatever its status'
  }))
}, { additionalProperties: false })

/** Answers that come a page at a time: each page one call, the job's result `{items, pages}`. */
export const Pages = Type.Object({
  next: Type.String({ minLength: 1, description: 'JSONata over {status, headers, body, page, links}: the next call\'s {path?, query?} (or a URL on the origin), or nothing' }),
  items: Type.String({ minLength: 1, description: "JSONata over the same: the page's records" }),
  maxPages: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'default 10' })),
  maxItems: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 }))
}, { additionalProperties: false })

const RateLimitHeaders = Type.Object({
  remaining: Type.Optional(HeaderName),
  reset: Type.Optional(HeaderName),
  resetFormat: Type.Optional(Type.Union([Type.Literal('epoch-seconds'), Type.Literal('delta-seconds')], {
    description: 'default: a value past 1e9 is epoch seconds, a smaller one seconds to wait'
  }))
}, { additionalProperties: false })

/** The vendor's own word on its limits, beside ours. */
export const Limits = Type.Object({
  headers: Type.Optional(Type.Union([RateLimitHeaders, Type.Literal(false)], {
    description: 'rate-limit headers that pause the vendor when remaining reaches 0; default: IETF RateLimit and X-RateLimit-*; false: none'
  }))
}, { additionalProperties: false })

/** A payload is a JSON object, so its schema must describe one; the rest is JSON Schema, checked where it is used. */
const PayloadSchema = Type.Object({ type: Type.Literal('object') }, { additionalProperties: true })

/** What a call costs, in the operator's currency (DESIGN "Spend (v3)"): plain non-negative numbers, 0 when absent. */
export const Cost = Type.Object({
  perCall: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000, description: 'for every call the vendor receives: each attempt and each poll' })),
  perResult: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000, description: "once for a job that completes with the vendor's result" }))
}, { additionalProperties: false })

const JobTypes = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), Type.Object({
  payload: PayloadSchema,
  cost: Type.Optional(Cost),
  request: Type.Optional(RequestMapping),
  response: Type.Optional(ResponseMapping),
  pages: Type.Optional(Pages),
  cache: Type.Optional(CacheEntry)
}, { additionalProperties: false }), { additionalProperties: false })

const Accepted = Type.Object({ vendorRef: Expression }, { additionalProperties: false })

export const WebhookSignature = Type.Union([
  Type.Object({ scheme: Type.Literal('stripe'), header: Type.Optional(HeaderName) }, { additionalProperties: false }),
  Type.Object({ scheme: Type.Literal('standard-webhooks') }, { additionalProperties: false }),
  Type.Object({
    scheme: Type.Literal('hmac'),
    header: HeaderName,
    encoding: Type.Union([Type.Literal('hex'), Type.Literal('base64')]),
    prefix: Type.Optional(Type.String()),
    algorithm: Type.Optional(Type.Union([Type.Literal('sha256'), Type.Literal('sha1')])),
    payload: Type.Optional(Type.String({ minLength: 1, description: 'JSONata over {url, headers, body, raw, params}: what is signed, when not the raw body' }))
  }, { additionalProperties: false })
])

const Webhook = Type.Object({
  signature: WebhookSignature,
  secret: Type.Optional(SecretRef),
  requestId: Type.Optional(Expression),
  vendorRef: Type.Optional(Expression),
  result: Type.Optional(Expression),
  error: Type.Optional(Expression)
}, { additionalProperties: false })

const Poll = Type.Object({
  request: RequestMapping,
  intervalMs: Type.Integer({ minimum: 100 }),
  done: Expression,
  failed: Type.Optional(Expression),
  result: Type.Optional(Expression),
  error: Type.Optional(Expression)
}, { additionalProperties: false })

export const Mode = Type.Union([Type.Literal('sync'), Type.Literal('async'), Type.Literal('poll')])

export const AdapterFields = {
  request: Type.Optional(RequestMapping),
  auth: Type.Optional(Auth),
  response: Type.Optional(ResponseMapping),
  pages: Type.Optional(Pages),
  limits: Type.Optional(Limits),
  types: Type.Optional(JobTypes),
  accepted: Type.Optional(Accepted),
  webhook: Type.Optional(Webhook),
  poll: Type.Optional(Poll)
}

/** A merged vendor as compileVendor takes it; other VendorConfig fields (limits, retry...) may ride along. */
export const AdapterSource = Type.Object({
  mode: Mode,
  url: Type.String({ pattern: '^https?://' }),
  webhookSecret: Type.Optional(Type.String({ minLength: 8 })),
  ...AdapterFields
}, { additionalProperties: true })

export type SecretRef = Static<typeof SecretRef>
export type RequestMapping = Static<typeof RequestMapping>
export type Auth = Static<typeof Auth>
export type ResponseMapping = Static<typeof ResponseMapping>
export type Pages = Static<typeof Pages>
export type Limits = Static<typeof Limits>
export type WebhookSignature = Static<typeof WebhookSignature>
export type Mode = Static<typeof Mode>
export type AdapterSource = Static<typeof AdapterSource>
