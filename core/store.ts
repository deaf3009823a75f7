import type { Claimant, ClaimRefusal, Job, JobChange, JobStatus, Notify } from './job.js'

/** The store holds as many jobs as it may and can let none go: the caller should retry later. */
export class StoreFullError extends Error {
  override name = 'StoreFullError'
}

export type Claim = { ok: true, job: Job } | { ok: false, reason: ClaimRefusal }

/** The job store every backend implements; the contract suite in test/core/store holds them to it. */
export interface JobStore {
  readonly kind: string
  create (job: Job): Promise<void>
  get (id: string): Promise<Job | null>
  /** Takes the job for one delivery by the rules of `claimChange`, in one compare-and-set. */
  claim (id: string, claimant: Claimant): Promise<Claim>
  /** Applies `change` only while `holder` still holds the job, and releases it; false when it no longer does. */
  settle (id: string, holder: string, change: JobChange): Promise<boolean>
  /**
   * Compare-and-set on the status: applies `change` only while the job's status is `from`.
   * Returns the job as changed, or null when the job is missing or in another state.
   */
  transition (id: string, from: JobStatus, change: JobChange): Promise<Job | null>
  /**
   * Records how the job's completion webhook stands, only while it still stands as `expected` (the sender's
   * compare-and-set: a replay or a resend in between wins). The job's status and updatedAt stay as they are.
   */
  recordNotify (id: string, expected: Notify, next: Notify): Promise<boolean>
  /**
   * Each job's status, in order (undefined: no such job), and a request to hear of the end of each that has
   * not ended, should it end before `until` (ms since the epoch): the backend's onEnded then names it.
   */
  watch (ids: readonly string[], until: number): Promise<Array<JobStatus | undefined>>
  ping (): Promise<void>
}

/** Where a listing of waiting jobs goes on from: the last job of the previous page. */
export interface WaitingCursor {
  updatedAt: number
  id: string
}

/** A store that is the source of truth beside the queue (full mode's MongoDB) lists what may have lost its queue entry. */
export interface WaitingJobs {
  /**
   * Up to `limit` jobs of `vendor` that are pending or processing and last changed before `before`, in
   * the order of (updatedAt, id), starting after `after`: the reconciler's candidates.
   */
  waiting (vendor: string, before: number, limit: number, after?: WaitingCursor): Promise<Job[]>
}
