import type { TokenCache } from '../vendors/adapters/token-cache.js'
import type { Job } from './job.js'
import type { DispatchQueue, QueuedJob } from './dispatch/queue.js'
import type { IdempotencyKeys } from './idempotency.js'
import type { JobIndex } from './listing.js'
import type { JobStore, WaitingJobs } from './store.js'

/** A mode's storage, built in one place: the job store and the per-vendor dispatch queues beside it. */
export interface Backend {
  readonly store: JobStore
  readonly queue: DispatchQueue
  /** Lists jobs for operators: over the store's own indexes, or the queue's per-vendor status indexes. */
  readonly index: JobIndex
  /** Where vendors' OAuth2 tokens are kept: one token for every process the backend serves. */
  readonly tokens: TokenCache
  /** Records a new job and queues it; the caller acknowledges the job only once both are done. */
  submit (job: Job): Promise<void>
  /** Sends a failed job back to pending with a fresh run (attempts 0) and queues it; null when it was not failed. */
  replay (id: string): Promise<Job | null>
  /** Clients' Idempotency-Keys of POST /jobs: in Redis whenever there is one (full mode too), else in memory. */
  readonly idempotency: IdempotencyKeys
  /** Full mode: the source of truth's listing of waiting jobs, which the reconciler checks against the queue. */
  readonly waiting?: WaitingJobs
  /** Takes the fleet-wide lease `name` for `ms` unless another process holds it: one process at a time does a chore. */
  lease (name: string, ms: number): Promise<boolean>
  close (): Promise<void>
}

/** What a replay clears: everything the previous run left on the job. */
export const REPLAY_CHANGE = {
  status: 'pending',
  attempts: 0,
  result: null,
  error: null,
  lastError: null,
  nextAttemptAt: null,
  deadline: null,
  holder: null,
  waiting: null,
  vendorRef: null
} as const

/**
 * A replay changes the job and queues it in two steps that no script can join (in a Redis Cluster they
 * live on two nodes). So a delayed entry is queued first, as an intent: should the process die between
 * the two steps, the intent delivers the job once due; otherwise queueing it for now takes the intent back.
 */
export const REPLAY_INTENT_MS = 5_000

/** A job's queue entry: its id and submission time, and its trace context when it has one. */
export const queued = (job: Job): QueuedJob => ({ id: job.id, createdAt: job.createdAt, ...(job.trace === undefined ? {} : { trace: job.trace }) })

export async function replayJob (store: JobStore, queue: DispatchQueue, id: string): Promise<Job | null> {
  const job = await store.get(id)
  if (job?.status !== 'failed') return null
  const entry = queued(job)
  await queue.enqueue(job.vendor, [{ ...entry, at: Date.now() + REPLAY_INTENT_MS }])
  const replayed = await store.transition(id, 'failed', REPLAY_CHANGE)
  if (replayed !== null) await queue.enqueue(job.vendor, [entry])
  return replayed
}
