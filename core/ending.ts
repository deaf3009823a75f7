import { isTerminal, type Job, type JobChange } from './job.js'

/*
 * The single point where a job ends. Redis scripts that end a job call includes/end-job.lua; the stores
 * that end jobs in TypeScript (memory, MongoDB) call these two. An end writes, with the outcome and in the
 * same step, its own time (`endedAt`): a job that asked for a completion webhook is then the outbox entry
 * of its delivery, due from that time. Once written, the store runs its `JobEnded` hook: the backend indexes
 * the delivery for the notifiers and wakes the long polls. Another effect of an end goes beside these.
 */

/**
 * What every end clears, whoever ends the job: its next call, its wait for the vendor, the delivery that
 * held it and a paged call's progress. Every end is built by `completeChange` or `failChange`.
 */
const END_CLEARS = { nextAttemptAt: null, deadline: null, waiting: null, holder: null, pages: null } as const

/** The change that completes a job with its result. */
export const completeChange = (result: unknown): JobChange => ({ status: 'complete', result, ...END_CLEARS })

/** The change that fails a job, saying why (and why its latest attempt failed, or that its result is gone). */
export const failChange = (error: string, also: Pick<JobChange, 'lastError' | 'result'> = {}): JobChange =>
  ({ status: 'failed', error, ...also, ...END_CLEARS })

/** Whether a change ends its job. */
export const endsJob = (change: JobChange): boolean => change.status !== undefined && isTerminal(change.status)

/** `change` with what every end records besides its outcome. */
export function endingChange (change: JobChange, now: number): JobChange {
  return endsJob(change) ? { ...change, endedAt: now } : change
}

/** Told of each job as it ended, once its end is written. */
export type JobEnded = (job: Job) => void | Promise<void>

/** Who hears of ends with the job as it ended: a store is built with `tell` before its listeners come (the result cache's). */
export interface EndListeners {
  tell: JobEnded
  /** `only`: the vendors whose ends the listener needs, where hearing of an end costs a read (settle.lua ends jobs itself). */
  add (listener: JobEnded, only?: (vendor: string) => boolean): () => void
  /** Whether a listener needs the ends of this vendor's jobs. */
  wants (vendor: string): boolean
}

export function endListeners (): EndListeners {
  const listeners = new Map<JobEnded, (vendor: string) => boolean>()
  return {
    // A listener's failure is its own: the end is written, and the others still hear of it.
    tell: async (job) => {
      await Promise.all([...listeners].filter(([, only]) => only(job.vendor)).map(async ([listener]) => {
        try { await listener(job) } catch {}
      }))
    },
    add (listener, only = () => true) {
      listeners.set(listener, only)
      return () => listeners.delete(listener)
    },
    wants: (vendor) => [...listeners.values()].some((only) => only(vendor))
  }
}
