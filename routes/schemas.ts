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

/** Operating it (v2): listing, vendors, admin controls. */

export const JobSummary = Type.Omit(JobReply, ['result'], { $id: 'JobSummary', description: 'a job as listed: its result only through GET /jobs/{id}' })

export const JobPage = Type.Object({
  jobs: Type.Array(Type.Ref(JobSummary), { description: 'newest first' }),
  next_cursor: Type.Optional(Type.String({ description: 'pass as cursor for the next page; absent on the last page' }))
}, { $id: 'JobPage' })

const jobFilter = {
  vendor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'a configured vendor' })),
  created_after: Type.Optional(Type.String({ format: 'date-time', description: 'only jobs created strictly after this time' }))
}

export const ListJobsQuery = Type.Object({
  status: Type.Optional(StringEnum(JOB_STATUSES)),
  ...jobFilter,
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'next_cursor of the previous page' }))
}, { additionalProperties: false })

export const RetryFailedQuery = Type.Object({
  ...jobFilter,
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'the most jobs replayed by this call, newest first' })
}, { additionalProperties: false })

export const RetryFailedReply = Type.Object({
  retried: Type.Integer({ minimum: 0 }),
  request_ids: Type.Array(RequestId),
  more: Type.Boolean({ description: 'more failed jobs match: call again for the next batch' })
}, { $id: 'RetryFailedReply' })

const Millis = (description: string) => Type.Integer({ minimum: 0, description })

export const VendorReply = Type.Object({
  name: Type.String(),
  config: Type.Object({
    mode: StringEnum(['sync', 'async', 'poll'] as const),
    url: Type.String({ description: 'origin and path only: user info and query are left out' }),
    rateLimit: Type.Object({ perSecond: Type.Number(), burst: Type.Integer() }),
    quotas: Type.Array(Type.Object({ limit: Type.Integer(), window: Millis('the sliding window, ms') })),
    concurrency: Type.Integer({ description: 'calls in flight from all workers together' }),
    maxRetryAfterMs: Millis('the longest pause a Retry-After may impose'),
    timeoutMs: Millis('one call, headers and body'),
    maxResponseBytes: Type.Integer(),
    retry: Type.Object({ attempts: Type.Integer(), baseDelayMs: Type.Integer(), maxDelayMs: Type.Integer() }),
    breaker: Type.Object({ minCalls: Type.Integer(), failureRatio: Type.Number(), windowMs: Type.Integer(), halfOpenAfterMs: Type.Integer(), probes: Type.Integer() }),
    maxWaitMs: Millis('the longest a job waits on an open breaker'),
    callbackTimeoutMs: Millis('how long an accepted async job waits for its webhook')
  }, { description: "the vendor's entry as VENDORS_FILE spells it, without secrets" }),
  state: Type.Object({
    tokens: Type.Integer({ minimum: 0, description: 'calls the token bucket would grant now' }),
    slots_in_use: Type.Integer({ minimum: 0, description: 'calls in flight from all workers' }),
    breaker: StringEnum(['closed', 'half-open', 'open'] as const),
    breaker_open_until: Type.Optional(Type.String({ format: 'date-time', description: 'open: probes go through from then on' })),
    paused_until: Type.Optional(Type.String({ format: 'date-time', description: "the vendor's own Retry-After pause" })),
    admin_pause: Type.Optional(Type.Object({
      since: Type.String({ format: 'date-time' }),
      reason: Type.Optional(Type.String())
    }, { description: "an operator's pause: no worker calls the vendor until resumed" }))
  }),
  queue: Type.Object({
    ready: Type.Integer({ minimum: 0, description: 'waiting to be called' }),
    delayed: Type.Integer({ minimum: 0, description: 'retries and polls waiting for their time' }),
    delivered: Type.Integer({ minimum: 0, description: 'with a worker now' }),
    oldest_ready_at: Type.Optional(Type.String({ format: 'date-time', description: 'when the longest-waiting ready entry was queued' }))
  }),
  counts: Type.Object({ pending: Type.Integer(), processing: Type.Integer(), complete: Type.Integer(), failed: Type.Integer() }, {
    description: 'jobs by status, kept for JOB_TTL_DAYS'
  })
}, { $id: 'VendorReply' })

export const VendorsReply = Type.Object({ vendors: Type.Array(Type.Ref(VendorReply)) }, { $id: 'VendorsReply' })

export const VendorParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64, description: 'a configured vendor' }) })

export const PauseQuery = Type.Object({
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'shown with the pause, e.g. an incident' }))
}, { additionalProperties: false })

export const operationsSchemas = [JobSummary, JobPage, RetryFailedReply, VendorReply, VendorsReply]

export const adminErrors = {
  401: errorRef('missing or wrong admin bearer token (WWW-Authenticate: Bearer)'),
  404: errorRef('no such vendor; or ADMIN_TOKEN is not set, and admin routes answer as unknown routes'),
  // Nothing reads these routes' bodies, but a body sent is parsed like any other.
  413: errorRef('body over the size limit'),
  415: errorRef('content type is not application/json')
}

export const metricsErrors = { 404: errorRef('METRICS=off: this process keeps no metrics') }
