import { type TUnsafe, Type } from '@sinclair/typebox'
import { JOB_STATUSES } from '../core/job.js'

/** A plain `enum` of strings, which reads better in the spec and in generated clients than anyOf of consts. */
const StringEnum = <T extends string>(values: readonly T[], options: { $id?: string, description?: string } = {}): TUnsafe<T> =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options })

/** The HTTP contract (v1): routes are registered from these schemas and openapi.yaml is generated from them. */

export const ErrorReply = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ examples: ['VFS_ERR_UNKNOWN_VENDOR'] }),
  error: Type.String(),
  message: Type.String()
}, { $id: 'ErrorReply', description: "Fastify's error shape; never a stack trace" })

export const errorRef = (description: string) => Type.Ref(ErrorReply, { description })

export const JobStatus = StringEnum(JOB_STATUSES, { $id: 'JobStatus' })

export const RequestId = Type.String({ format: 'uuid', description: 'the job id returned by POST /jobs' })

export const SubmitJobBody = Type.Object({
  vendor: Type.String({ minLength: 1, description: 'a configured vendor, e.g. syncVendor or asyncVendor' })
}, {
  additionalProperties: true,
  description: 'every property other than vendor is the job payload, stored and sent to the vendor as given',
  examples: [{ vendor: 'syncVendor', type: 'user_data', userId: 123 }]
})

export const SubmitJobHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: '^[\\x20-\\x7e]+$',
    description: "Stripe's semantics, kept 24 h: a retry with the same key and the same body answers the same request_id (200) instead of queueing a second job; the same key with another body is a 422. 1 to 255 printable ASCII characters, e.g. a UUID"
  }))
})

export const SubmitJobReply = Type.Object({ request_id: RequestId }, { $id: 'SubmitJobReply' })

export const JobParams = Type.Object({ id: RequestId })

export const JobReply = Type.Object({
  request_id: RequestId,
  status: Type.Ref(JobStatus, {
    description: 'pending until the first vendor call, processing from then on (across retries and waits), then complete or failed; never moves backwards on its own'
  }),
  vendor: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  attempts: Type.Integer({ minimum: 0, description: 'vendor calls made so far' }),
  result: Type.Optional(Type.Unknown({ description: "the vendor's data, once complete" })),
  error: Type.Optional(Type.String({ description: 'why the job failed' })),
  next_attempt_at: Type.Optional(Type.String({ format: 'date-time', description: 'when the next call is due: a retry after a failed attempt' })),
  last_error: Type.Optional(Type.String({ description: 'why the latest attempt did not succeed' }))
}, { $id: 'JobReply' })

export const WebhookParams = Type.Object({ vendor: Type.String({ description: 'the async vendor calling back' }) })

export const WebhookBody = Type.Object({
  request_id: Type.String({ description: 'the job id returned by POST /jobs' }),
  result: Type.Optional(Type.Unknown({ description: "the vendor's data; completes the job" })),
  error: Type.Optional(Type.String({ minLength: 1, description: 'the vendor could not serve the job; fails it' }))
}, { $id: 'WebhookBody', description: "the default callback; a vendor's `webhook` settings say where its own callbacks carry the job's id (ours or the vendor's), result and error" })

export const SignatureHeaders = Type.Object({
  'x-signature': Type.Optional(Type.String({
    description: 'the default scheme (stripe): t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the vendor secret>; at most 5 minutes old'
  })),
  'webhook-id': Type.Optional(Type.String({ description: 'Standard Webhooks: the message id' })),
  'webhook-timestamp': Type.Optional(Type.String({ description: 'Standard Webhooks: unix seconds; at most 5 minutes old' })),
  'webhook-signature': Type.Optional(Type.String({ description: 'Standard Webhooks: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">' }))
}, { description: "the signature headers of the vendor's scheme (a vendor's `webhook.signature` may name another header, e.g. GitHub's X-Hub-Signature-256)" })

export const WebhookQuery = Type.Object({
  ref: Type.Optional(Type.String({ maxLength: 200, description: 'the call this callback answers, as the callback_url the vendor was given says' }))
})

export const WebhookReply = Type.Object({
  request_id: RequestId,
  outcome: StringEnum(['applied', 'duplicate'] as const),
  status: Type.Ref(JobStatus)
}, { $id: 'WebhookReply' })

export const HealthReply = Type.Object({
  status: StringEnum(['ok', 'unavailable'] as const),
  mode: Type.String({ description: 'embedded, redis or full' }),
  checks: Type.Record(Type.String(), StringEnum(['up', 'down', 'off'] as const)),
  persistence: Type.Optional(StringEnum(['aof', 'rdb', 'none', 'unknown'] as const, {
    description: "with Redis: what a Redis restart keeps, as found at start (aof: every write; rdb: the last snapshot; none: nothing; unknown: CONFIG is disabled)"
  }))
}, { $id: 'HealthReply' })

/** Shared schemas, added once so that the spec names them under components. */
export const sharedSchemas = [ErrorReply, JobStatus, SubmitJobReply, JobReply, WebhookBody, WebhookReply, HealthReply]

export const errors = {
  400: errorRef('bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold'),
  401: errorRef('missing, wrong or stale signature, or no body'),
  404: errorRef('unknown job or vendor'),
  409: errorRef('the job cannot take this change'),
  413: errorRef('body over the size limit'),
  414: errorRef('a path parameter longer than 100 characters'),
  422: errorRef('the Idempotency-Key was used with another body'),
  415: errorRef('content type is not application/json'),
  503: errorRef('a dependency is down or full, or the service sheds load; Retry-After says when to try again')
}
