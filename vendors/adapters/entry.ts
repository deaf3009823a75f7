import { type Static, Type } from '@sinclair/typebox'

/**
 * The `VENDORS_FILE` fields of DESIGN "Adapters (v2)". The integrator spreads `AdapterFields` into
 * VendorEntry and uses `Mode` for its `mode`; `AdapterSource` is what compileVendor checks on its own.
 */

/** Secrets are never written in the file: an entry names the environment variable that holds one. */
export const SecretRef = Type.Object({
  env: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'name of the environment variable holding the secret' })
}, { additionalProperties: false })

export const Expression = Type.String({ minLength: 1, description: 'a JSONata expression' })

const HeaderName = Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" })

export const RequestMapping = Type.Object({
  method: Type.Optional(Type.String({ pattern: '^[A-Za-z]{1,16}$', description: 'a plain word; default POST (GET for poll.request)' })),
  path: Type.Optional(Expression),
  query: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Expression)),
  // A Record's key pattern binds only with additionalProperties false; without it any key passes.
  headers: Type.Optional(Type.Record(HeaderName, Expression, { additionalProperties: false })),
  body: Type.Optional(Expression)
}, { additionalProperties: false })

export const Auth = Type.Union([
  Type.Object({ type: Type.Literal('bearer'), token: SecretRef }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('header'), name: HeaderName, value: SecretRef }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('query'), name: Type.String({ minLength: 1 }), value: SecretRef }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('basic'), username: Type.String(), password: SecretRef }, { additionalProperties: false }),
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
  retryOn: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { uniqueItems: true }))
}, { additionalProperties: false })

/** A payload is a JSON object, so its schema must describe one; the rest is JSON Schema, checked where it is used. */
export const PayloadSchema = Type.Object({ type: Type.Literal('object') }, { additionalProperties: true })

export const JobTypes = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), Type.Object({
  payload: PayloadSchema,
  request: Type.Optional(RequestMapping),
  response: Type.Optional(ResponseMapping)
}, { additionalProperties: false }), { additionalProperties: false })

export const Accepted = Type.Object({ vendorRef: Expression }, { additionalProperties: false })

export const WebhookSignature = Type.Union([
  Type.Object({ scheme: Type.Literal('stripe') }, { additionalProperties: false }),
  Type.Object({ scheme: Type.Literal('standard-webhooks') }, { additionalProperties: false }),
  Type.Object({
    scheme: Type.Literal('hmac'),
    header: HeaderName,
    encoding: Type.Union([Type.Literal('hex'), Type.Literal('base64')]),
    prefix: Type.Optional(Type.String())
  }, { additionalProperties: false })
])

export const Webhook = Type.Object({
  signature: WebhookSignature,
  secret: Type.Optional(SecretRef),
  requestId: Type.Optional(Expression),
  vendorRef: Type.Optional(Expression),
  result: Type.Optional(Expression),
  error: Type.Optional(Expression)
}, { additionalProperties: false })

export const Poll = Type.Object({
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
export type WebhookSignature = Static<typeof WebhookSignature>
export type Mode = Static<typeof Mode>
export type AdapterSource = Static<typeof AdapterSource>
