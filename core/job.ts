/**
 * The job model and its state machine. The public status only moves forward: pending until the first
 * call, processing from then on (across retries, waits and callbacks), then complete or failed. The one
 * way back is an operator's replay of a failed job.
 */
export const JOB_STATUSES = ['pending', 'processing', 'complete', 'failed'] as const
export type JobStatus = typeof JOB_STATUSES[number]

export interface Job {
  id: string
  vendor: string
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
}

/** What a change may set; `null` removes a field. */
export interface JobChange {
  status?: JobStatus
  result?: unknown
  error?: string | null
  lastError?: string | null
  attempts?: number
  nextAttemptAt?: number | null
  deadline?: number | null
  holder?: string | null
  waiting?: 'callback' | 'poll' | null
  vendorRef?: string | null
}

/** The optional fields a change can set or remove, in one list for every store's serialisation. */
export const OPTIONAL_FIELDS = ['result', 'error', 'lastError', 'nextAttemptAt', 'deadline', 'holder', 'waiting', 'vendorRef'] as const

const NEXT: Record<JobStatus, readonly JobStatus[]> = {
  // failed without a call: it waited past its vendor's maxWaitMs, or its entry kept crashing workers
  pending: ['processing', 'failed'],
  processing: ['processing', 'complete', 'failed'],
  complete: [],
  // an operator replays a failed job
  failed: ['pending']
}

export function canTransition (from: JobStatus, to: JobStatus): boolean {
  return NEXT[from].includes(to)
}

export function isTerminal (status: JobStatus): boolean {
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

export const holderOf = (c: Pick<Claimant, 'entry' | 'deliveries'>): string => `${c.entry}#${c.deliveries}`

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
