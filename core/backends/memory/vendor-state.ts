import type { JobStatus } from '../../job.js'
import { type BreakerState, newBreakerState } from '../../dispatch/breaker.js'

export interface Entry {
  id: string
  jobId: string
  kind: 'call' | 'poll'
  createdAt: number
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
  /** A take found nothing to grant for a reason that an enqueue or a settle can end. */
  sleeping: boolean
  deadlines: Map<string, number>
  index: Map<string, JobStatus>
  deadLetters: Array<{ jobId: string, reason: string, deliveries: number }>
  /** The vendor's own ids for jobs, for its callbacks. */
  refs: Map<string, string>
  nextId (): string
  schedule (jobId: string, kind: Entry['kind'], at: number, createdAt: number): void
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
    index: new Map(),
    deadLetters: [],
    refs: new Map(),
    nextId: () => `${Date.now()}-${seq++}`,
    schedule (jobId, kind, at, createdAt) {
      state.unschedule(jobId, kind)
      state.delayed.push({ at, key: `${kind}|${jobId}`, entry: { jobId, kind, createdAt } })
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
export function listJob (state: VendorState, id: string, status: JobStatus): void {
  const listed = state.index.get(id)
  if (status === 'processing' && (listed === 'complete' || listed === 'failed')) return
  state.index.set(id, status)
}
