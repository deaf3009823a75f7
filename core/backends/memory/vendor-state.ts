import type { JobStatus } from '../../job.js'
import { type BreakerState, newBreakerState } from '../../dispatch/breaker.js'
import { JOB_STATUSES } from '../../job.js'

export interface Entry {
  id: string
  jobId: string
  kind: 'call' | 'poll'
  createdAt: number
  trace?: string
}

/** A vendor's jobs by status, with a count per status kept as it changes. */
export class StatusIndex {
  readonly jobs = new Map<string, { status: JobStatus, createdAt: number }>()
  readonly counts: Record<JobStatus, number> = { pending: 0, processing: 0, complete: 0, failed: 0 }
  set (id: string, status: JobStatus, createdAt: number): void {
    const was = this.jobs.get(id)
    if (was !== undefined) this.counts[was.status]--
    this.jobs.set(id, { status, createdAt })
    this.counts[status]++
  }

  delete (id: string): void {
    const was = this.jobs.get(id)
    if (was === undefined) return
    this.counts[was.status]--
    this.jobs.delete(id)
  }

  /** Drops jobs created before `before`, then all but the newest `keep` of each ended status. */
  trim (before: number, keep: number): number {
    let removed = 0
    for (const [id, { createdAt }] of this.jobs) {
      if (createdAt >= before) continue
      this.delete(id)
      removed++
    }
    for (const status of JOB_STATUSES.filter((s) => s === 'complete' || s === 'failed')) {
      if (this.counts[status] <= keep) continue
      const ended = [...this.jobs].filter(([, j]) => j.status === status).sort(([, a], [, b]) => b.createdAt - a.createdAt)
      for (const [id] of ended.slice(keep)) this.delete(id)
      removed += ended.length - keep
    }
    return removed
  }
}

/** One vendor's queue and limits in memory: what Redis keeps under the vendor's hash tag. */
export interface VendorState {
  /** Entries not yet handed out, oldest first. */
  ready: Entry[]
  /** Entries handed out and not yet settled, by entry id. */
  pending: Map<string, { entry: Entry, deliveries: number, leaseUntil: number }>
  /** Retries and polls waiting until due, soonest first; one per job and kind. */
  delayed: Array<{ at: number, key: string, entry: Omit<Entry, 'id'> }>
  /** Concurrency slots: holder -> lease expiry. */
  inflight: Map<string, number>
  tat?: number
  quotaTimes: number[][]
  breaker: BreakerState
  pausedUntil: number
  /** An operator's pause, until resumed. */
  hold?: { since: number, reason?: string }
  /** A take found nothing to grant for a reason that an enqueue or a settle can end. */
  sleeping: boolean
  deadlines: Map<string, number>
  index: StatusIndex
  deadLetters: Array<{ jobId: string, reason: string, deliveries: number }>
  /** The vendor's own ids for jobs, for its callbacks. */
  refs: Map<string, string>
  nextId (): string
  schedule (entry: Omit<Entry, 'id'>, at: number): void
  unschedule (jobId: string, kind: Entry['kind']): void
}

export function createVendorState (): VendorState {
  let seq = 0
  const state: VendorState = {
    ready: [],
    pending: new Map(),
    delayed: [],
    inflight: new Map(),
    quotaTimes: [],
    breaker: newBreakerState(),
    pausedUntil: 0,
    sleeping: false,
    deadlines: new Map(),
    index: new StatusIndex(),
    deadLetters: [],
    refs: new Map(),
    nextId: () => `${Date.now()}-${seq++}`,
    schedule (entry, at) {
      state.unschedule(entry.jobId, entry.kind)
      state.delayed.push({ at, key: `${entry.kind}|${entry.jobId}`, entry })
      state.delayed.sort((a, b) => a.at - b.at)
    },
    unschedule (jobId, kind) {
      const key = `${kind}|${jobId}`
      if (state.delayed.some((d) => d.key === key)) state.delayed = state.delayed.filter((d) => d.key !== key)
    }
  }
  return state
}

/** Moves retries and polls that are due into the ready entries. */
export function promoteDue (state: VendorState, now: number): void {
  let due = 0
  while (due < state.delayed.length && (state.delayed[due]?.at ?? Number.POSITIVE_INFINITY) <= now) due++
  for (const { entry } of state.delayed.splice(0, due)) state.ready.push({ id: state.nextId(), ...entry })
}

/** Lists a job under a status as index-job.lua does: forward only, but for a replay back to pending. */
export function listJob (state: VendorState, id: string, status: JobStatus, createdAt: number): void {
  const listed = state.index.jobs.get(id)?.status
  if (status === 'processing' && (listed === 'complete' || listed === 'failed')) return
  state.index.set(id, status, createdAt)
}
