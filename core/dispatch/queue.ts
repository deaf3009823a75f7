import type { JobChange, JobStatus } from '../job.js'
import type { Claim } from '../store.js'
import type { BreakerPolicy } from './breaker.js'

/** What the dispatcher needs to know of a vendor's limits to ask for grants. */
export interface VendorLimits {
  name: string
  rateLimit: { perSecond: number, burst: number }
  quotas: ReadonlyArray<{ limit: number, windowMs: number }>
  /** Calls in flight from the whole fleet. */
  concurrency: number
  breaker: BreakerPolicy
  /** A job waiting on an open breaker fails this long after its submission. */
  maxWaitMs: number
}

/** How the fleet takes grants: the same for every vendor. */
export interface DispatchSettings {
  /** A delivery's lease: renewed while its call is on the wire, taken over only once it expired. */
  leaseMs: number
  /** How late a call may reach the vendor after its grant; limits are kept as if every call were that late. */
  marginMs: number
}

/**
 * One queue entry handed to this worker with all its grants. `call` makes an attempt, `poll` asks how an
 * accepted job is going, and `expire` carries no grant: the job waited past its vendor's maxWaitMs.
 */
export interface Delivery {
  vendor: string
  entry: string
  jobId: string
  /** The job's submission time, carried by its entry. */
  createdAt: number
  kind: 'call' | 'poll' | 'expire'
  /** How many times the entry has been handed out, this time included: more than 1 after a takeover. */
  deliveries: number
  /** `<entry>#<deliveries>`: fences the job and names the concurrency slot this delivery holds. */
  holder: string
  /** The breaker is half-open and this call is one of its probes. */
  probe: boolean
  /** The job as the take claimed it, when the queue claims jobs itself (see DispatchQueue.claims). */
  claim?: Claim
  /** W3C traceparent carried by the entry, when the job is traced. */
  trace?: string
}

/** Why a take granted nothing, for the dispatcher's sleep and the operators' view. */
export type Blocked = 'empty' | 'paused' | 'breaker' | 'rate' | 'quota' | 'concurrency'

/** When an entry was queued: its id's first part, in Redis Streams and in memory alike. */
export const entryTime = (entry: string): number => Number(entry.split('-')[0])

export interface Take {
  deliveries: Delivery[]
  /** When nothing more could be granted: why, and the earliest time a take may grant again (undefined: on a wake-up). */
  blocked?: Blocked
  wakeAt?: number
}

/** What became of one delivery; the queue applies it in one step per vendor with the others settled together. */
export interface Settlement {
  delivery: Delivery
  /** The call's outcome for the breaker; absent when no call was made or when it only said "slow down". */
  outcome?: 'ok' | 'fail'
  /** The vendor asked every caller to wait until then (429 or 503 with Retry-After). */
  pauseUntil?: number
  /** Queue the job again, due then. */
  next?: { at: number, kind: 'call' | 'poll' }
  /** Watch the job's callback deadline. */
  deadline?: number
  /** Move the entry to the dead-letter stream with this reason instead of acknowledging it. */
  deadLetter?: string
  /** The job's status afterwards, for the vendor's listing index. */
  status?: JobStatus
  /** The job had already moved on without this delivery: `status` only catches the index up, nothing ended now. */
  caughtUp?: boolean
  /** The vendor's own id for the job, for its callbacks to find the job by, until then. */
  ref?: { vendorRef: string, until: number }
  /**
   * What to record on the job, when the queue settles jobs itself (see DispatchQueue.claims): applied only
   * while this delivery still holds the job, and what comes next for the job only if it was.
   */
  change?: JobChange
}

export interface QueuedJob {
  id: string
  createdAt: number
  /** Due then rather than now; queueing the same job for now later takes this back. */
  at?: number
  /** W3C traceparent, carried by the entry to the worker that takes it. */
  trace?: string
}

/** A vendor's queue and limits as they stand, for operators: a few reads in its slot, never on a request's path. */
export interface VendorSnapshot {
  /** Entries ready to be taken, not yet handed out. */
  ready: number
  /** Retries, polls and replay intents waiting for their time. */
  delayed: number
  /** Entries handed out and not yet settled. */
  delivered: number
  /** When the oldest ready entry was queued, ms since the epoch; absent when none waits. */
  oldestReadyAt?: number
  /** Concurrency slots held by calls on the wire, fleet-wide. */
  slotsInUse: number
  /** Calls the token bucket would grant now. */
  tokens: number
  /** The vendor's own Retry-After pause: no call before then; absent when over. */
  pausedUntil?: number
  /** An operator's pause: no call until resumed. */
  hold?: { since: number, reason?: string }
  breaker: 'closed' | 'open' | 'half-open'
  /** While open: when probes may go through. */
  openUntil?: number
  /** Jobs listed under each status. */
  counts: Record<JobStatus, number>
}

/** What still covers a job in its vendor's queue: for the reconciler, which looks for jobs nothing covers. */
export interface Coverage {
  /** An entry in the queue, handed out or not. */
  entry: boolean
  /** A delayed call: a retry waiting for its backoff, or a replay's intent. */
  retry: boolean
  /** A delayed poll. */
  poll: boolean
  /** A watched callback deadline. */
  deadline: boolean
}

/** Per-vendor queues with the fleet's limits granted where work is taken. */
export interface DispatchQueue {
  readonly kind: string
  /**
   * The queue claims each job as it takes it and records each delivery's change on its job as it settles
   * it, in the same step: one Redis that holds the jobs too (not a Cluster, where a job's hash lives on
   * another node than its vendor's queue). Otherwise the job store does both, a call each.
   */
  readonly claims: boolean
  /** Queues new or replayed jobs, due now (a sleeping dispatcher is woken) or at their `at`; also lists them as pending. */
  enqueue (vendor: string, jobs: QueuedJob[]): Promise<void>
  /** Up to `max` deliveries granted by every limit at once; `reclaim` also takes over entries whose lease expired. */
  take (vendor: VendorLimits, max: number, opts: { reclaim: boolean }): Promise<Take>
  /** Extends the leases (and slots) of deliveries still on the wire; returns those another worker took over. */
  renew (vendor: string, deliveries: Delivery[]): Promise<Delivery[]>
  /** Per settlement: whether its job change applied (true when it carried none). */
  settle (vendor: VendorLimits, settlements: Settlement[]): Promise<boolean[]>
  /** Moves jobs between the vendor's listing indexes, for changes made outside a delivery (webhooks, sweeps, replays). */
  reindex (vendor: string, jobs: Array<{ id: string, status: JobStatus, createdAt: number }>): Promise<void>
  /** Watches these jobs' callback deadlines (again): the sweeper fails each one still waiting once it passed. */
  watchDeadlines (vendor: string, jobs: Array<{ id: string, at: number }>): Promise<void>
  /** What covers each of these jobs, in their order. Reads the whole queue, so it is for rare checks, not hot paths. */
  coverage (vendor: string, jobs: Array<{ id: string, createdAt: number }>): Promise<Coverage[]>
  /** Callback deadlines that passed, each leased to this caller for `leaseMs` so that one sweeper handles it. */
  dueDeadlines (vendor: string, now: number, max: number, leaseMs: number): Promise<string[]>
  clearDeadlines (vendor: string, ids: string[]): Promise<void>
  /** The vendor's queue, limits and counts now. */
  snapshot (vendor: VendorLimits): Promise<VendorSnapshot>
  /** An operator's pause: no worker takes the vendor's work until `resume`; a Retry-After pause neither lifts nor shortens it. */
  hold (vendor: string, reason?: string): Promise<void>
  /** Lifts an operator's pause and wakes sleeping dispatchers (a Retry-After pause runs its course); false when none was set. */
  resume (vendor: string): Promise<boolean>
  /** Drops listing entries of jobs created before `before` and keeps the newest `keep` of each ended status; answers how many went. */
  trimIndexes (vendor: string, before: number, keep: number): Promise<number>
  /** The job a vendor's own id names, as settled with `ref`. */
  jobOfRef (vendor: string, vendorRef: string): Promise<string | undefined>
  /** Calls `listener` when a vendor that had nothing to grant may have something now. */
  onWake (listener: (vendor: string) => void): () => void
  ping (): Promise<void>
  close (): Promise<void>
}
