import type { Job, JobChange, JobStatus } from '../job.js'
import type { Claim } from '../store.js'
import type { BreakerPolicy } from '../../vendors/config.js'
import type { BudgetRule } from './spend.js'
import type { VendorTeamUse } from './usage.js'

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
  /** Teams' own quotas on this vendor, for the teams that have any. */
  teamQuotas?: ReadonlyMap<string, ReadonlyArray<{ limit: number, windowMs: number }>>
  /** Micros a take reserves per call it grants (spend.ts reserveOf); 0 or absent: calls cost nothing. */
  reserve?: number
  /** The budgets that apply to each team's calls of this vendor, for the teams that have any. */
  budgets?: ReadonlyMap<string, readonly BudgetRule[]>
  /** Every vendor's name: a team's budget counts its spend on all of them. */
  vendors?: readonly string[]
}

/** How the fleet takes grants: the same for every vendor. */
export interface DispatchSettings {
  /** A delivery's lease: renewed while its call is on the wire, taken over only once it expired. */
  leaseMs: number
  /**
   * How late after its grant a call may leave for the vendor; limits are kept as if every call were that
   * late, and a call that would leave later goes back for a new grant instead.
   */
  marginMs: number
  /** A team's share of each vendor against the other teams with work ready for it; 1 when not told. */
  weightOf? (team: string): number
}

/** One queue entry handed to this worker with all its grants. */
export interface Delivery {
  vendor: string
  entry: string
  jobId: string
  /** The job's submission time, carried by its entry. */
  createdAt: number
  /** The job's team, whose share of the vendor this delivery is. */
  team: string
  /** When the entry was queued (its first call's submission, a retry's or a poll's due time): the wait before a worker took it starts there. */
  queuedAt: number
  /**
   * `call` makes an attempt, `poll` asks how an accepted job is going; `expire` and `quota` carry no
   * grant: the job waited past its vendor's maxWaitMs for its breaker, or would wait past it for its team's quota.
   * `budget` carries none either: the team cannot afford one more call of the vendor.
   */
  kind: 'call' | 'poll' | 'expire' | 'quota' | 'budget'
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
  /**
   * When the call may leave for the vendor, in ms after its grant (see limits.ts departureWindow): not
   * before `after`, and before `within`. Absent for 'expire', which makes no call.
   */
  leave?: { after: number, within: number }
  /** Its slot in the bucket, by the store's clock: a call that never left gives it back (limits.ts slotBack). */
  slot?: number
  /** When the dispatcher asked for the grant, by this process's monotonic clock (performance.now()). */
  grantedAt?: number
  /** The latest the call may leave, by the same clock; a call that would leave later goes back for a new grant. */
  departBy?: number
  /** Micros the take reserved for this call in its team's spend, and when (by the queue's clock): settling gives back what was not spent. */
  reserved?: { micros: number, at: number }
}

/** Why a take granted nothing, for the dispatcher's sleep and the operators' view. */
export type Blocked = 'empty' | 'paused' | 'breaker' | 'rate' | 'quota' | 'concurrency'

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
  /**
   * The call never left: it would have left later than its grant allows. Its quota places are given back
   * and `next` queues it again, with no attempt spent.
   */
  regrant?: boolean
  /** Move the entry to the dead-letter stream with this reason instead of acknowledging it. */
  deadLetter?: string
  /** The job's status afterwards, for the vendor's listing index. */
  status?: JobStatus
  /** The job had already moved on without this delivery: `status` only catches the index up, nothing ended now. */
  caughtUp?: boolean
  /** The vendor's own id for the job, for its callbacks to find the job by, until then. */
  ref?: { vendorRef: string, until: number }
  /** Micros the call spent (spend.ts charge): recorded against the reservation, which gives back the rest; absent: nothing. */
  spent?: number
  /**
   * What to record on the job, when the queue settles jobs itself (see DispatchQueue.claims): applied only
   * while this delivery still holds the job, and what comes next for the job only if it was.
   */
  change?: JobChange
}

/**
 * The queue refused a settlement batch for what it holds (a script error), not for being unreachable or full:
 * the same batch would be refused again, so the settler splits it to find the settlement at fault.
 */
export class SettlementRefusedError extends Error {
  override name = 'SettlementRefusedError'
}

/** Why a call was stopped: another worker took its delivery over (its lease had run out), and the job is that delivery's now. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError'
  constructor () {
    super('the delivery\'s lease was taken over by another worker')
  }
}

export interface QueuedJob {
  id: string
  createdAt: number
  /** The job's team, for the share of its vendor that team gets. */
  team: string
  /** Due then rather than now; queueing the same job for now later takes this back. */
  at?: number
  /** W3C traceparent, carried by the entry to the worker that takes it. */
  trace?: string
}

/** A job's queue entry: its id, submission time and team, and its trace context when it has one. */
export const queued = (job: Job): QueuedJob => ({ id: job.id, createdAt: job.createdAt, team: job.team, ...(job.trace === undefined ? {} : { trace: job.trace }) })

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

/** What teams spent on a vendor, in micros: in all (since the queue's data began), and within the windows asked. */
export interface VendorSpend {
  /** By team, every team that spent anything. */
  totals: Map<string, number>
  /** Per ask, in its order: what the team spent in the last `windowMs` (its ledger, spend.ts). */
  windowed: number[]
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
  coverage (vendor: string, jobs: Array<{ id: string, createdAt: number, team: string, trace?: string }>): Promise<Coverage[]>
  /** Callback deadlines that passed, each leased to this caller for `leaseMs` so that one sweeper handles it. */
  dueDeadlines (vendor: string, now: number, max: number, leaseMs: number): Promise<string[]>
  clearDeadlines (vendor: string, ids: string[]): Promise<void>
  /** What teams spent on the vendor: totals, and each ask's team within its window. */
  spend (vendor: string, asks: ReadonlyArray<{ team: string, windowMs: number }>): Promise<VendorSpend>
  /** The vendor's queue, limits and counts now. */
  snapshot (vendor: VendorLimits): Promise<VendorSnapshot>
  /** Each of these teams' use of the vendor now (usage.ts); `quotas` are the windows of its own quotas on the vendor, in order. */
  teamUse (vendor: string, teams: ReadonlyArray<{ name: string, quotas: ReadonlyArray<{ windowMs: number }> }>): Promise<VendorTeamUse>
  /** An operator's pause: no worker takes the vendor's work until `resume`; a Retry-After pause neither lifts nor shortens it. */
  hold (vendor: string, reason?: string): Promise<void>
  /** Lifts an operator's pause and wakes sleeping dispatchers (a Retry-After pause runs its course); false when none was set. */
  resume (vendor: string): Promise<boolean>
  /** Drops listing entries of jobs created before `before` and keeps the newest `keep` of each ended status; answers how many went. */
  trimIndexes (vendor: string, before: number, keep: number): Promise<number>
  /** The job a vendor's own id names, as settled with `ref`. */
  jobOfRef (vendor: string, vendorRef: string): Promise<string | undefined>
  /**
   * Removes from the vendor's consumer group the consumers idle for longer than `idleMs` that hold no
   * entries (processes gone without a clean stop); answers how many. Nothing to remove where one process
   * is the whole fleet.
   */
  dropIdleConsumers (vendor: string, idleMs: number): Promise<number>
  /** Calls `listener` when a vendor that had nothing to grant may have something now. */
  onWake (listener: (vendor: string) => void): () => void
  ping (): Promise<void>
  /** Stops listening; a worker's queue also leaves its consumer groups, where it holds no entries. */
  close (): Promise<void>
}
