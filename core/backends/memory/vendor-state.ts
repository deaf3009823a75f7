import type { JobStatus } from '../../job.js'
import { type BreakerState, newBreakerState } from '../../dispatch/breaker.js'
import { readyPass } from '../../dispatch/fair.js'
import { USAGE_BUCKETS, usageBucket } from '../../dispatch/usage.js'
import { isTerminal, JOB_STATUSES } from '../../job.js'

/** A queue entry: waiting in its team's list, or handed out. */
export interface Entry {
  id: string
  jobId: string
  kind: 'call' | 'poll'
  createdAt: number
  team: string
  /** When it was queued, ms since the epoch. */
  queuedAt: number
  trace?: string
}

/** A vendor's jobs by status, with a count per status kept as it changes. */
class StatusIndex {
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
    for (const status of JOB_STATUSES.filter(isTerminal)) {
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
  /** Entries not yet handed out, per team, oldest first. */
  ready: Map<string, Entry[]>
  /** The teams with entries ready and their turn, by pass (core/dispatch/fair.ts). */
  teams: Map<string, number>
  /** Teams over their own quota on the vendor, until they have room again. */
  parked: Map<string, number>
  /** The pass each team left the turn with. */
  passes: Map<string, number>
  /** The vendor's virtual time: the pass the last team served reached. */
  vtime: number
  /** Each team's own quotas' grant times, per quota, ascending. */
  teamQuotaTimes: Map<string, number[][]>
  /** Entries handed out and not yet settled, by entry id; `stampedAt`: when the quotas counted the call. */
  pending: Map<string, { entry: Entry, kind: 'call' | 'poll' | 'expire' | 'quota' | 'budget', deliveries: number, leaseUntil: number, stampedAt: number }>
  /** Retries and polls waiting until due, soonest first; one per job and kind. */
  delayed: Array<{ at: number, key: string, entry: Omit<Entry, 'id' | 'queuedAt'> }>
  /** Concurrency slots: holder -> lease expiry. */
  inflight: Map<string, number>
  tat?: number
  quotaTimes: number[][]
  /** Calls granted per usage bucket (core/dispatch/usage.ts) and team, the last hour's. */
  usage: Map<number, Map<string, number>>
  breaker: BreakerState
  pausedUntil: number
  /** An operator's pause, until resumed. */
  hold?: { since: number, reason?: string }
  /** A take found nothing to grant for a reason that an enqueue or a settle can end. */
  sleeping: boolean
  deadlines: Map<string, number>
  index: StatusIndex
  deadLetters: Array<{ jobId: string, reason: string, deliveries: number }>
  /**
   * The vendor's own ids for jobs, for its callbacks, each until it expires: in the order they were kept,
   * which is the order they expire in, since a vendor keeps each for the same time past its deadline.
   */
  refs: Map<string, { jobId: string, until: number }>
  /** Each job's ids in `refs`, so that a job evicted from the store takes them along. */
  refsOfJob: Map<string, string[]>
  nextId (): string
  schedule (entry: Omit<Entry, 'id' | 'queuedAt'>, at: number): void
  unschedule (jobId: string, kind: Entry['kind']): void
}

export function createVendorState (): VendorState {
  let seq = 0
  const state: VendorState = {
    ready: new Map(),
    teams: new Map(),
    parked: new Map(),
    passes: new Map(),
    vtime: 0,
    teamQuotaTimes: new Map(),
    pending: new Map(),
    delayed: [],
    inflight: new Map(),
    quotaTimes: [],
    usage: new Map(),
    breaker: newBreakerState(),
    pausedUntil: 0,
    sleeping: false,
    deadlines: new Map(),
    index: new StatusIndex(),
    deadLetters: [],
    refs: new Map(),
    refsOfJob: new Map(),
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

/** A team with work waiting joins the turn, as readyTeam in entries.lua does; a parked team stays parked. */
function readyTeam (state: VendorState, team: string): void {
  if (state.teams.has(team) || state.parked.has(team)) return
  state.teams.set(team, readyPass(state.passes.get(team), state.vtime))
}

/** Queues a waiting entry at the back of its team's list (the front: a call that could not leave in time). */
export function queueReady (state: VendorState, entry: Omit<Entry, 'id'>, front = false): void {
  let list = state.ready.get(entry.team)
  if (list === undefined) {
    list = []
    state.ready.set(entry.team, list)
  }
  const queued = { id: state.nextId(), ...entry }
  if (front) list.unshift(queued)
  else list.push(queued)
  readyTeam(state, entry.team)
}

/** Moves retries and polls that are due into their teams' lists, and parked teams with room again into the turn. */
export function promoteDue (state: VendorState, now: number): void {
  let due = 0
  while (due < state.delayed.length && (state.delayed[due]?.at ?? Number.POSITIVE_INFINITY) <= now) due++
  for (const { entry } of state.delayed.splice(0, due)) queueReady(state, { ...entry, queuedAt: now })
  for (const [team, until] of state.parked) {
    if (until > now) continue
    state.parked.delete(team)
    if ((state.ready.get(team)?.length ?? 0) > 0) readyTeam(state, team)
  }
}

/** Entries waiting, all teams together. */
export const readyCount = (state: VendorState): number => [...state.ready.values()].reduce((n, list) => n + list.length, 0)

/** Lists a job under a status as index-job.lua does: forward only, but for a replay back to pending. */
export function listJob (state: VendorState, id: string, status: JobStatus, createdAt: number): void {
  const listed = state.index.jobs.get(id)?.status
  if (status === 'processing' && listed !== undefined && isTerminal(listed)) return
  state.index.set(id, status, createdAt)
}

/** Keeps a vendor's id for a job until `until`, and drops the ids that expired by `now`. */
export function keepRef (state: VendorState, vendorRef: string, jobId: string, until: number, now: number): void {
  for (const [ref, kept] of state.refs) {
    if (kept.until > now) break
    forgetRef(state, ref)
  }
  forgetRef(state, vendorRef)
  state.refs.set(vendorRef, { jobId, until })
  state.refsOfJob.set(jobId, [...state.refsOfJob.get(jobId) ?? [], vendorRef])
}

/** The job a vendor's id names, while it is kept. */
export function jobOfRef (state: VendorState, vendorRef: string, now: number): string | undefined {
  const kept = state.refs.get(vendorRef)
  return kept !== undefined && kept.until > now ? kept.jobId : undefined
}

/** Drops every id of a job the store no longer keeps. */
export function forgetRefs (state: VendorState, jobId: string): void {
  for (const ref of state.refsOfJob.get(jobId) ?? []) state.refs.delete(ref)
  state.refsOfJob.delete(jobId)
}

function forgetRef (state: VendorState, vendorRef: string): void {
  const kept = state.refs.get(vendorRef)
  if (kept === undefined) return
  state.refs.delete(vendorRef)
  const others = (state.refsOfJob.get(kept.jobId) ?? []).filter((ref) => ref !== vendorRef)
  if (others.length > 0) state.refsOfJob.set(kept.jobId, others)
  else state.refsOfJob.delete(kept.jobId)
}

/**
 * Counts a call granted to `team` (`by` 1) or one that never left (-1) in the minute of its slot in the
 * bucket, and drops the minutes older than the hour kept, as take.lua and settle.lua do.
 */
export function countCall (state: VendorState, team: string, slot: number, by: 1 | -1): void {
  const bucket = usageBucket(slot)
  let teams = state.usage.get(bucket)
  if (teams === undefined) {
    for (const old of state.usage.keys()) if (old <= bucket - USAGE_BUCKETS) state.usage.delete(old)
    teams = new Map()
    state.usage.set(bucket, teams)
  }
  teams.set(team, (teams.get(team) ?? 0) + by)
}
