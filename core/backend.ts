import type { TokenCache } from '../vendors/adapters/token-cache.js'
import type { Batch, BatchStore } from './batches.js'
import type { JobEnded } from './ending.js'
import type { Job } from './job.js'
import type { ResultCache } from './results.js'
import type { HistoryStore } from './history.js'
import type { Outbox } from './notify/outbox.js'
import type { DispatchQueue } from './dispatch/queue.js'
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
  /**
   * Records and queues a batch's jobs (created at the batch's createdAt), then the batch, in about one
   * round trip where one Redis holds both. Jobs that exist already (a request taking over a dead one's
   * Idempotency-Key) are kept as they are, and queued again while pending.
   */
  submitBatch (batch: Batch, jobs: Job[]): Promise<void>
  readonly batches: BatchStore
  /** The completion webhooks due, per team, for the notifiers. */
  readonly outbox: Outbox
  /** Calls `listener` with the id of each job that ended while someone watched it (JobStore.watch); another process's ends too. */
  onEnded (listener: (id: string) => void): () => void
  /** Calls `listener` with each job that ended through this process, as it ended (the result cache ends a leader's followers). */
  onJobEnded (listener: JobEnded, only?: (vendor: string) => boolean): () => void
  /** Keeps results and joins identical jobs (core/results.ts). */
  readonly results: ResultCache
  /** Sends a failed job back to pending with a fresh run (attempts 0) and queues it; null when it was not failed. */
  replay (id: string): Promise<Job | null>
  /** Clients' Idempotency-Keys of POST /jobs: in Redis whenever there is one (full mode too), else in memory. */
  readonly idempotency: IdempotencyKeys
  /** Full mode: the source of truth's listing of waiting jobs, which the reconciler checks against the queue. */
  readonly waiting?: WaitingJobs
  /** Each vendor's last 15 minutes of calls and queue, for the dashboard: the fleet's in Redis. */
  readonly history: HistoryStore
  /** Takes the fleet-wide lease `name` for `ms` unless another process holds it: one process at a time does a chore. */
  lease (name: string, ms: number): Promise<boolean>
  close (): Promise<void>
}
