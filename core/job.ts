/**
 * The job model and its state machine. The public status only moves forward: pending until the first
 * call, processing from then on (across retries, waits and callbacks), then complete or failed. The one
 * way back is an operator's replay of a failed job.
 */
export const JOB_STATUSES = ['pending', 'processing', 'complete', 'failed'] as const
export type JobStatus = typeof JOB_STATUSES[number]

/** Open mode's one team, and the team of a job stored before teams existed. */
export const DEFAULT_TEAM = 'default'

export interface Job {
  id: string
  vendor: string
  /** The team that submitted it: only that team (and the admin) may read, list or retry it. */
  team: string
  status: JobStatus
  payload: Record<string, unknown>
  result?: unknown
  /** Why the job failed; set only once it has. */
  error?: string
  /** Why the latest attempt did not succeed, while the job goes on. */
  lastError?: string
  /** Vendor calls made so far in this run (a replay starts a new run at 0). */
  attempts: number
  createdAt: number
  updatedAt: number
  /** When the next call is due: a retry's backoff, or the next poll. */
  nextAttemptAt?: number
  /** When an accepted call's callback (or polling) must have ended. */
  deadline?: number
  /** The delivery calling the vendor for this job right now (`<entry>#<delivery>`); the fence for finishing it. */
  holder?: string
  /** The vendor accepted the call; the job waits for its callback or polls it. */
  waiting?: 'callback' | 'poll'
  /** The vendor's own id for the job, when it gives one. */
  vendorRef?: string
  /** W3C traceparent of the job's submission, when traced: its later spans (a webhook's too) join that trace. */
  trace?: string
  /** A paged call's progress between its pages. */
  pages?: PageProgress
  /** The batch it was submitted in (POST /jobs/batch), set at creation only. */
  batchId?: string
  /** Its completion webhook, when the client asked for one: where it goes and how its delivery stands. */
  notify?: Notify
  /** When it reached complete or failed (its last end, after a replay); the completion webhook is due from then. */
  endedAt?: number
  /** Where its outcome came from, for a vendor with a result cache: its own call, the cache, or the job it joined. */
  source?: JobSource
  /** Its result cache key (vendors/cache.ts), when its vendor keeps results: its end stores the result and ends its followers. Set at creation. */
  cacheKey?: string
  /** A coalesced job: the job whose call it waits for, and whose outcome it takes; released when that one failed for its own team's account. */
  leader?: string
  /** What its vendor calls cost so far, in the operator's currency (DESIGN "Spend (v3)"); absent: nothing. */
  cost?: number
}

export const JOB_SOURCES = ['vendor', 'cache', 'coalesced'] as const
export type JobSource = typeof JOB_SOURCES[number]

export const NOTIFY_STATUSES = ['pending', 'delivered', 'failed'] as const

/** A job's completion webhook: `pending` until delivered, or `failed` once every retry failed. */
export interface Notify {
  url: string
  status: typeof NOTIFY_STATUSES[number]
  /** Deliveries tried for the job's current end. */
  attempts: number
  /** Why the latest delivery failed. */
  lastError?: string
  /** When the next delivery is due, once one failed (the first is due at the job's end). */
  due?: number
}

/** What a job read of an answer that comes a page at a time, kept on the job between its pages (vendors/adapters/pages.ts). */
export interface PageProgress {
  /** The records of the pages read so far. */
  items: unknown[]
  /** How many pages were read. */
  pages: number
  /** Where the next page is, as the vendor's adapter wrote it. */
  next: Record<string, unknown>
  /** The job's attempts once the last page was read: a failing page's retries are counted from there. */
  attempts: number
}

/** The job's fields that may be absent. */
type OptionalField = { [K in keyof Job]-?: undefined extends Job[K] ? K : never }[keyof Job]

/**
 * How each optional field is kept and who sets it. `kind`: `time` is ms since the epoch (a decimal string
 * in Redis, a Date in MongoDB), `json` is JSON in Redis, `text` is kept as it is. `set`: `change` may be
 * set or removed by any change of the job, `creation` only by its submission. `replay`: an operator's
 * replay clears it, as the previous run's.
 */
interface FieldRule {
  kind: 'time' | 'json' | 'text'
  set: 'change' | 'creation'
  replay?: true
  /** Its name in GET /jobs/{id} (a time as ISO 8601 there), when the job shows it. */
  view?: string
}

/**
 * The one table of a job's optional fields: the stores, the changes, the replay and the view derive from
 * it, and a field added to Job must be added here (the compiler says so).
 */
export const JOB_FIELDS = {
  result: { kind: 'json', set: 'change', replay: true, view: 'result' },
  error: { kind: 'text', set: 'change', replay: true, view: 'error' },
  lastError: { kind: 'text', set: 'change', replay: true, view: 'last_error' },
  nextAttemptAt: { kind: 'time', set: 'change', replay: true, view: 'next_attempt_at' },
  deadline: { kind: 'time', set: 'change', replay: true },
  holder: { kind: 'text', set: 'change', replay: true },
  waiting: { kind: 'text', set: 'change', replay: true },
  vendorRef: { kind: 'text', set: 'change', replay: true },
  pages: { kind: 'json', set: 'change', replay: true },
  // A replay sends the completion webhook anew rather than forgetting it (core/backends/shared.ts).
  notify: { kind: 'json', set: 'change', view: 'notify' },
  endedAt: { kind: 'time', set: 'change', replay: true },
  // What the job's calls cost so far: a number, kept as JSON; a replay's calls add to it.
  cost: { kind: 'json', set: 'change', view: 'cost' },
  trace: { kind: 'text', set: 'creation' },
  batchId: { kind: 'text', set: 'creation', view: 'batch_id' },
  // A coalesced job whose leader failed for its own team's account makes its own call (core/results.ts).
  source: { kind: 'text', set: 'change', view: 'source' },
  cacheKey: { kind: 'text', set: 'creation' },
  leader: { kind: 'text', set: 'change' }
} as const satisfies Record<OptionalField, FieldRule>

/** The optional fields whose rule has every property of `R`. */
type Matching<R extends Partial<FieldRule>> = { [K in OptionalField]: typeof JOB_FIELDS[K] extends R ? K : never }[OptionalField]

/** The optional fields whose rule has every property of `rule`, in the table's order. */
export function jobFields<const R extends Partial<FieldRule>> (rule: R): Array<Matching<R>> {
  const matches = (field: OptionalField): boolean => Object.entries(rule).every(([property, value]) => (JOB_FIELDS[field] as FieldRule)[property as keyof FieldRule] === value)
  return (Object.keys(JOB_FIELDS) as OptionalField[]).filter(matches) as Array<Matching<R>>
}

/** What a change may set; `null` removes a field. */
export type JobChange = { status?: JobStatus, attempts?: number } & { [K in Matching<{ set: 'change' }>]?: NonNullable<Job[K]> | null }

/** The optional fields a change can set or remove. */
const OPTIONAL_FIELDS = jobFields({ set: 'change' })

const NEXT: Record<JobStatus, readonly JobStatus[]> = {
  // failed without a call: it waited past its vendor's maxWaitMs, or its entry kept crashing workers;
  // complete or failed without a call: a coalesced job takes the outcome of the job it joined (core/results.ts)
  pending: ['processing', 'failed', 'complete'],
  processing: ['processing', 'complete', 'failed'],
  complete: [],
  // an operator replays a failed job
  failed: ['pending']
}

export function canTransition (from: JobStatus, to: JobStatus): boolean {
  return NEXT[from].includes(to)
}

export function isTerminal (status: JobStatus): status is 'complete' | 'failed' {
  return status === 'complete' || status === 'failed'
}

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError'
  constructor (from: JobStatus, to: JobStatus) {
    super(`a job cannot go from ${from} to ${to}`)
  }
}

/** Applies a change to a job known to be in a state that allows it; the store's compare-and-set decides that. */
export function applyChange (job: Job, change: JobChange, now: number): Job {
  const to = change.status ?? job.status
  if (!canTransition(job.status, to)) throw new IllegalTransitionError(job.status, to)
  const next: Job = { ...job, status: to, updatedAt: now }
  if (change.attempts !== undefined) next.attempts = change.attempts
  for (const field of OPTIONAL_FIELDS) {
    const value = change[field]
    if (value === null) delete next[field]
    else if (value !== undefined) (next as unknown as Record<string, unknown>)[field] = value
  }
  return next
}

/** One delivery of a queue entry: which entry, how many times it has been handed out, and what for. */
export interface Claimant {
  entry: string
  deliveries: number
  /** `call` makes an attempt; `poll` asks an accepting vendor how the job is going. */
  kind: 'call' | 'poll'
}

const holderOf = (c: Pick<Claimant, 'entry' | 'deliveries'>): string => `${c.entry}#${c.deliveries}`

export type ClaimRefusal = 'missing' | 'done' | 'held'

/**
 * May this delivery call the vendor for the job now? A job another delivery holds is refused, except
 * by a later delivery of the same entry (its lease expired: the holder died mid-call). A job that ended,
 * or that waits for a callback, has nothing left to call.
 */
export function claimChange (job: Job, c: Claimant): { ok: true, change: JobChange } | { ok: false, reason: ClaimRefusal } {
  if (isTerminal(job.status)) return { ok: false, reason: 'done' }
  if (c.kind === 'call' ? job.waiting !== undefined : job.waiting !== 'poll') return { ok: false, reason: 'done' }
  if (job.holder !== undefined) {
    const at = job.holder.lastIndexOf('#')
    const takeover = job.holder.slice(0, at) === c.entry && Number(job.holder.slice(at + 1)) < c.deliveries
    if (!takeover) return { ok: false, reason: 'held' }
  }
  const holder = holderOf(c)
  return c.kind === 'call'
    ? { ok: true, change: { status: 'processing', attempts: job.attempts + 1, holder, nextAttemptAt: null } }
    : { ok: true, change: { holder, nextAttemptAt: null } }
}
