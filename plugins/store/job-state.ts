/** The job state machine: pending -> processing -> complete | failed, plus the two ways back. */
export const JOB_STATUSES = ['pending', 'processing', 'complete', 'failed'] as const
export type JobStatus = typeof JOB_STATUSES[number]

export interface Job {
  id: string
  vendor: string
  status: JobStatus
  payload: Record<string, unknown>
  result?: unknown
  error?: string
  attempts: number
  createdAt: number
  updatedAt: number
  /** When an async vendor's callback is due; set once the vendor accepted the call. */
  deadline?: number
}

/** What a transition may change; `null` removes a field. */
export interface JobChange {
  status?: JobStatus
  result?: unknown
  error?: string | null
  attempts?: number
  deadline?: number | null
}

const NEXT: Record<JobStatus, readonly JobStatus[]> = {
  pending: ['processing', 'failed'],
  // back to pending: a retryable failure waits for its next attempt
  processing: ['processing', 'pending', 'complete', 'failed'],
  complete: [],
  // back to pending: an operator replays a failed job
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

/** Applies a change to a job known to be in `change`'s source state; the store's compare-and-set decides that. */
export function applyChange (job: Job, change: JobChange, now: number): Job {
  const to = change.status ?? job.status
  if (!canTransition(job.status, to)) throw new IllegalTransitionError(job.status, to)
  const next: Job = { ...job, status: to, updatedAt: now }
  if (change.attempts !== undefined) next.attempts = change.attempts
  if (change.result !== undefined) next.result = change.result
  if (change.error === null) delete next.error
  else if (change.error !== undefined) next.error = change.error
  if (change.deadline === null) delete next.deadline
  else if (change.deadline !== undefined) next.deadline = change.deadline
  return next
}
