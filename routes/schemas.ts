import { type TUnsafe, Type } from '@sinclair/typebox'
import { JOB_SOURCES, JOB_STATUSES, NOTIFY_STATUSES } from '../core/job.js'
import { TeamReply } from '../core/teams/view.js'

/** A plain `enum` of strings, which reads better in the spec and in generated clients than anyOf of consts. */
const StringEnum = <T extends string>(values: readonly T[], options: { $id?: string, description?: string } = {}): TUnsafe<T> =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options })

/** The HTTP contract (v1): routes are registered from these schemas and openapi.yaml is generated from them. */

const ErrorReply = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ examples: ['VFS_ERR_UNKNOWN_VENDOR'] }),
  error: Type.String(),
  message: Type.String()
}, { $id: 'ErrorReply', description: "Fastify's error shape; never a stack trace" })

export const errorRef = (description: string) => Type.Ref(ErrorReply, { description })

const JobStatus = StringEnum(JOB_STATUSES, { $id: 'JobStatus' })

const RequestId = Type.String({ format: 'uuid', description: 'the job id returned by POST /jobs' })

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
  })),
  'notify-url': Type.Optional(Type.String({
    minLength: 1,
    maxLength: 2_000,
    description: "where to POST the job's completion webhook (see webhooks: job.complete, job.failed) instead of the team's notify.url: an http(s) URL whose host (and port) the operator allowed (NOTIFY_ALLOWED_HOSTS, or the team's notify.allowedHosts); any other is a 400 VFS_ERR_NOTIFY_URL"
  }))
})

/** POST /jobs's headers: a batch's and, for a vendor that keeps results, Cache-Control. */
export const SubmitOneJobHeaders = Type.Object({
  ...SubmitJobHeaders.properties,
  'cache-control': Type.Optional(Type.String({
    minLength: 1,
    maxLength: 200,
    description: "for a vendor that keeps results (its `cache`): `no-cache` skips the kept result and any identical job on the wire, makes a call of its own and keeps its result; `max-age=<seconds>` takes a kept result only if it is no older than that. Any other value is a 400 VFS_ERR_CACHE_CONTROL, whatever the vendor; for a vendor that keeps no results a valid one changes nothing"
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
  team: Type.String({ description: 'the team that submitted it (`default` in open mode)' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  attempts: Type.Integer({ minimum: 0, description: 'vendor calls made so far' }),
  cost: Type.Optional(Type.Number({ minimum: 0, description: "what its vendor calls cost so far, in the operator's currency (the vendor's cost); absent while nothing" })),
  result: Type.Optional(Type.Unknown({ description: "the vendor's data, once complete" })),
  error: Type.Optional(Type.String({ description: 'why the job failed' })),
  next_attempt_at: Type.Optional(Type.String({ format: 'date-time', description: 'when the next call is due: a retry after a failed attempt' })),
  last_error: Type.Optional(Type.String({ description: 'why the latest attempt did not succeed' })),
  batch_id: Type.Optional(Type.String({ format: 'uuid', description: 'the batch it was submitted in (POST /jobs/batch)' })),
  source: Type.Optional(StringEnum(JOB_SOURCES, {
    description: "for a vendor that keeps results: `vendor` when it made its own call, `cache` when it took a kept result (no call), `coalesced` when it joined an identical job on the wire and took that job's outcome (no call)"
  })),
  notify: Type.Optional(Type.Object({
    status: StringEnum(NOTIFY_STATUSES, { description: 'pending until a 2xx came back, failed once every retry (NOTIFY_RETRY_DELAYS) failed too: POST /jobs/{id}/notify sends it again' }),
    attempts: Type.Integer({ minimum: 0, description: "deliveries tried for the job's end" }),
    last_error: Type.Optional(Type.String({ description: 'why the latest delivery failed' }))
  }, { description: 'its completion webhook, when it asked for one' }))
}, { $id: 'JobReply' })

export const WaitQuery = Type.Object({
  wait: Type.Optional(Type.Integer({
    minimum: 1,
    maximum: 60,
    description: 'long poll: answer as soon as it is complete or failed, or as it stands after this many seconds; past MAX_WAITERS open waits on the process, a 503 with Retry-After'
  }))
}, { additionalProperties: false })

/** A completion webhook's body (Standard Webhooks), POSTed to the job's notify URL. */
const NotifyEvent = Type.Object({
  type: StringEnum(['job.complete', 'job.failed'] as const),
  timestamp: Type.String({ format: 'date-time', description: 'when the job ended' }),
  data: Type.Ref(JobReply, { description: 'the job as GET /jobs/{id} shows it' })
}, {
  $id: 'NotifyEvent',
  description: 'signed with webhook-id (the same on every try of one end: drop repeats), webhook-timestamp and webhook-signature (v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">), the Standard Webhooks scheme, with the team\'s notify.secret (NOTIFY_SECRET in open mode)'
})

export const BatchBody = (maxBatch: number) => Type.Object({
  jobs: Type.Array(Type.Unknown({ description: 'a POST /jobs body, checked as that route checks it' }), { minItems: 1, maxItems: maxBatch, description: `1 to MAX_BATCH (${maxBatch}) jobs` })
}, { additionalProperties: false })

const ItemError = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ examples: ['VFS_ERR_UNKNOWN_VENDOR'] }),
  message: Type.String()
}, { description: 'what POST /jobs would have answered for this job' })

export const BatchReply = Type.Object({
  batch_id: Type.String({ format: 'uuid' }),
  jobs: Type.Array(Type.Union([
    Type.Object({ request_id: RequestId }),
    Type.Object({ error: ItemError })
  ]), { description: 'one per job sent, in order: its request_id, or why it was refused (the others are queued all the same)' })
}, { $id: 'BatchReply' })

export const BatchParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'the batch_id returned by POST /jobs/batch' }) })

export const BatchStatusReply = Type.Object({
  batch_id: Type.String({ format: 'uuid' }),
  created_at: Type.String({ format: 'date-time' }),
  total: Type.Integer({ minimum: 0, description: 'jobs in the batch (items that were refused are none)' }),
  counts: Type.Object({ pending: Type.Integer(), processing: Type.Integer(), complete: Type.Integer(), failed: Type.Integer() }),
  done: Type.Boolean({ description: 'every job complete or failed' })
}, { $id: 'BatchStatusReply' })

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
export const sharedSchemas = [ErrorReply, JobStatus, SubmitJobReply, JobReply, WebhookBody, WebhookReply, HealthReply, NotifyEvent, BatchReply, BatchStatusReply]

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

/** Teams (v3): who may call the job routes. Without TEAMS_FILE (open mode) no key is asked. */
export const submitSecurity: Array<Record<string, string[]>> = [{ teamKey: [] }]
/** The admin token reads every team's jobs too. */
export const readSecurity: Array<Record<string, string[]>> = [{ teamKey: [] }, { adminToken: [] }]
/** Anyone may read the vendors; a team's key shows its own spend there too, the admin token every team's. */
export const viewSecurity: Array<Record<string, string[]>> = [{}, { teamKey: [] }, { adminToken: [] }]

export const teamErrors = {
  402: errorRef("VFS_ERR_BUDGET_EXHAUSTED: the team cannot afford one more call of the vendor within its budget (TEAMS_FILE budget): its most expensive call does not fit what is left"),
  401: errorRef("with TEAMS_FILE: no key, or a key no team has (WWW-Authenticate: Bearer); send Authorization: Bearer <your team's key>"),
  404: errorRef("no such job, or another team's (the same answer: a team sees only its own jobs)"),
  429: errorRef("past the team's intake limit: Retry-After says when to try again; RateLimit-Policy and RateLimit tell the limit and what is left")
}

export const batchNotFound = errorRef("no such batch, or another team's (the same answer: a team sees only its own batches)")

/** Operating it (v2): listing, vendors, admin controls. */

const JobSummary = Type.Omit(JobReply, ['result'], { $id: 'JobSummary', description: 'a job as listed: its result only through GET /jobs/{id}' })

export const JobPage = Type.Object({
  jobs: Type.Array(Type.Ref(JobSummary), { description: 'newest first' }),
  next_cursor: Type.Optional(Type.String({ description: 'pass as cursor for the next page; absent on the last page' }))
}, { $id: 'JobPage' })

const jobFilter = {
  vendor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'a configured vendor' })),
  team: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: "a team's jobs: any team with the admin token; a team's key lists only its own" })),
  created_after: Type.Optional(Type.String({ format: 'date-time', description: 'only jobs created strictly after this time' }))
}

export const ListJobsQuery = Type.Object({
  status: Type.Optional(StringEnum(JOB_STATUSES)),
  ...jobFilter,
  batch_id: Type.Optional(Type.String({ format: 'uuid', description: "only this batch's jobs (the caller's own batch; any with the admin token)" })),
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
    callbackTimeoutMs: Millis('how long an accepted async job waits for its webhook'),
    cost: Type.Object({
      perCall: Type.Number({ minimum: 0, description: 'for every call the vendor receives: each attempt and each poll' }),
      perResult: Type.Number({ minimum: 0, description: "once for a job that completes with the vendor's result" })
    }, { description: "what a call costs, in the operator's currency; a job type's own cost replaces it for that type" })
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
  }),
  spend: Type.Object({
    total: Type.Number({ minimum: 0, description: 'of the teams shown' }),
    teams: Type.Record(Type.String(), Type.Number({ minimum: 0 }), {
      description: "by team: every team's for the admin token, the caller's own for a team's key, none without a key (without TEAMS_FILE everyone is the team default and sees its spend)"
    })
  }, { description: "what the vendor's calls cost, in the operator's currency (its cost), fleet-wide: a team's spend is shown only to it and to the admin" })
}, { $id: 'VendorReply' })

export const VendorsReply = Type.Object({ vendors: Type.Array(Type.Ref(VendorReply)) }, { $id: 'VendorsReply' })

export const VendorHistoryReply = Type.Object({
  vendor: Type.String(),
  interval_ms: Millis('one point per interval this long'),
  window_ms: Millis('how far back the points go'),
  limit: Type.Object({
    per_second: Type.Number({ description: "the vendor's rate limit" }),
    burst: Type.Integer(),
    concurrency: Type.Integer({ description: 'calls in flight from all workers together' })
  }),
  points: Type.Array(Type.Object({
    at: Type.String({ format: 'date-time', description: "the interval's start" }),
    calls: Type.Integer({ minimum: 0, description: 'calls the vendor received from every worker in the interval (polls included)' }),
    calls_per_second: Type.Number({ minimum: 0 }),
    queue: Type.Optional(Type.Object({
      ready: Type.Integer({ minimum: 0, description: 'waiting to be called' }),
      delayed: Type.Integer({ minimum: 0, description: 'retries and polls waiting for their time' }),
      in_flight: Type.Integer({ minimum: 0, description: 'calls on the wire' })
    }, { description: 'the queue as one process of the fleet sampled it in the interval; absent where none did' }))
  }), { description: 'oldest first, from the first interval the service counted in the window to the last one complete' })
}, { $id: 'VendorHistoryReply' })

export const VendorParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64, description: 'a configured vendor' }) })

export const PauseQuery = Type.Object({
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'shown with the pause, e.g. an incident' }))
}, { additionalProperties: false })

export const TeamsReply = Type.Object({ teams: Type.Array(Type.Ref(TeamReply)) }, { $id: 'TeamsReply' })

export const TeamParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63, description: 'a team of TEAMS_FILE (default in open mode)' }) })

export const operationsSchemas = [JobSummary, JobPage, RetryFailedReply, VendorReply, VendorsReply, VendorHistoryReply, TeamReply, TeamsReply]

export const adminErrors = {
  401: errorRef('missing or wrong admin bearer token (WWW-Authenticate: Bearer)'),
  404: errorRef('no such vendor; or ADMIN_TOKEN is not set, and admin routes answer as unknown routes'),
  // Nothing reads these routes' bodies, but a body sent is parsed like any other.
  413: errorRef('body over the size limit'),
  415: errorRef('content type is not application/json')
}

export const metricsErrors = { 404: errorRef('METRICS=off: this process keeps no metrics') }
