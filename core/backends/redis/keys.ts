import { createHash } from 'node:crypto'
import type { JobStatus } from '../../job.js'

/** One vendor's keys: its queue, limits, breaker and indexes share the hash tag `{v:<vendor>}`, so one slot. */
interface VendorKeys {
  /** Stream `job-queue`, read by the consumer group `workers`. */
  queue: string
  /** Hash: the bucket's theoretical arrival time, the pause, the breaker's state and outcome buckets. */
  state: string
  /** Zset: the concurrency slots held (holder -> lease expiry, ms). */
  inflight: string
  /** Zset of `<kind>|<createdAt>|<job id>` by the time it is due: retries, polls and replay intents. */
  delayed: string
  /** Zset of job ids by the time their callback is due. */
  deadlines: string
  /** Stream `job-dlq`: entries delivered too many times. */
  deadLetter: string
  /** Set while a take found nothing, so that the next enqueue or released slot wakes the dispatchers. */
  wake: string
  /** Zset of job ids by createdAt: the vendor's jobs in one status, for listing and counts. */
  status (status: JobStatus): string
  /** Zset of grant times: one sliding-window quota. */
  quota (windowMs: number): string
  /** Zset of grant times: one team's own sliding-window quota on the vendor. */
  teamQuota (team: string, windowMs: number): string
  /** Hash of bucket -> micros: one team's spend on the vendor in one budget window's ledger (core/dispatch/spend.ts). */
  spend (team: string, windowMs: number): string
  /** Hash of team -> micros: every team's spend on the vendor in all. */
  spent: string
  /** Zset: the teams with entries ready, by their pass (core/dispatch/fair.ts); take.lua builds it from `base`, as the next three. */
  teams: string
  /** Zset: teams over their own quota on the vendor, by when they have room again. */
  parked: string
  /** Hash: the pass each team left its turn with, and the vendor's virtual time. */
  passes: string
  /** Hash: each team's weight, recorded with its first waiting entry. */
  weights: string
  /** List: one team's entries waiting for their turn (take.lua builds it as `<base>ready:<team>`). */
  ready (team: string): string
  /** Hash: calls granted per usage bucket and team (`<bucket>:<team>`), the last hour's (core/dispatch/usage.ts). */
  usage: string
  /** String: the job a vendor's own id names, for its callbacks. */
  ref (vendorRef: string): string
  /** Hash: the last 15 minutes for the dashboard, the fleet's calls and the queue per interval (core/backends/redis/history.ts). */
  history: string
  /** The prefix every key above starts with, for scripts that build `status:` and `quota:` keys. */
  base: string
}

interface ResultKeys {
  /** Hash: the kept result (`r`, JSON) and when it was kept (`at`, ms), expiring after the vendor's ttl. */
  result: string
  /** String: the id of the job on the wire for the key (its leader), expiring. */
  claim: string
  /** The list of a leader's followers is this and the leader's id. */
  followers: string
}

export interface RedisKeys {
  /** Hash: one job, under its own id's hash tag, expiring after the store's TTL. */
  job (id: string): string
  /** What every job's key starts with, `job(id)` being this, the id and `}`: for scripts that build them. */
  jobPrefix: string
  vendor (vendor: string): VendorKeys
  /** String: one client's Idempotency-Key, under a hash tag of its digest (the key is the client's text, braces and all). */
  idempotency (key: string): string
  /** String: a fleet-wide lease on a chore (the reconciler's), holding its holder's consumer name. */
  lease (name: string): string
  /** The consumer group that reads every vendor's queue. */
  group: string
  /** Pub/Sub channel that wakes sleeping dispatchers; the message is the vendor's name. */
  wakeChannel: string
  /** A value the fleet shares (an OAuth2 token, its fetch lock), under its own hash tag. */
  shared (name: string): string
  /** String: a team's intake count in the current window, under the team's own hash tag. */
  intake (team: string): string
  /**
   * Zset: a team's completion webhooks (job id -> when its delivery is next due or its lease ends, ms),
   * under the team's own hash tag: the index through which notifiers find due deliveries; the deliveries
   * themselves are kept on their jobs.
   */
  outbox (team: string): string
  /** What every outbox key starts with, `outbox(team)` being this, the team and `}`: for scripts that build them. */
  outboxPrefix: string
  /** Pub/Sub channel that wakes notifiers; the message is the team whose outbox has a delivery due. */
  outboxChannel: string
  /** Pub/Sub channel that wakes long polls; the message is the id of a job that ended while someone waited for it. */
  endedChannel: string
  /** One result cache key's keys (core/results.ts), under the key's own hash tag. */
  results (key: string): ResultKeys
  /** Hash: the calls a team saved per `<vendor>|<source>`, under the team's own hash tag. */
  saved (team: string): string
  /** Hash: one batch of jobs (POST /jobs/batch), under its own id's hash tag, expiring with its jobs. */
  batch (id: string): string
}

/**
 * The one place Redis keys are built. Keys are tagged per vendor (`<prefix>:{v:<vendor>}:...`) and per
 * job (`<prefix>:job:{<id>}`), so that in a Redis Cluster each vendor's queue and limits share a slot,
 * vendors and jobs spread over the cluster, and every script touches one slot. A test gives each case
 * its own prefix.
 */
export function redisKeys (prefix = 'vfs'): RedisKeys {
  // A brace in the prefix would become the hash tag and gather everything in one slot.
  if (/[{}]/.test(prefix)) throw new Error(`a Redis key prefix cannot contain { or }: "${prefix}"`)
  return {
    job: (id) => `${prefix}:job:{${id}}`,
    jobPrefix: `${prefix}:job:{`,
    vendor (vendor) {
      const base = `${prefix}:{v:${vendor}}:`
      return {
        base,
        queue: `${base}job-queue`,
        state: `${base}state`,
        inflight: `${base}inflight`,
        delayed: `${base}delayed`,
        deadlines: `${base}deadlines`,
        deadLetter: `${base}job-dlq`,
        wake: `${base}wake`,
        status: (status) => `${base}status:${status}`,
        quota: (windowMs) => `${base}quota:${windowMs}`,
        teamQuota: (team, windowMs) => `${base}tquota:${team}:${windowMs}`,
        spend: (team, windowMs) => `${base}spend:${team}:${windowMs}`,
        spent: `${base}spent`,
        teams: `${base}teams`,
        parked: `${base}parked`,
        passes: `${base}passes`,
        weights: `${base}weights`,
        ready: (team) => `${base}ready:${team}`,
        usage: `${base}usage`,
        ref: (vendorRef) => `${base}ref:${vendorRef}`,
        history: `${base}history`
      }
    },
    idempotency: (key) => `${prefix}:idempotency:{${createHash('sha256').update(key).digest('hex')}}`,
    lease: (name) => `${prefix}:lease:{${name}}`,
    group: 'workers',
    wakeChannel: `${prefix}:wake`,
    shared: (name) => `${prefix}:{${name}}`,
    intake: (team) => `${prefix}:intake:{t:${team}}`,
    outbox: (team) => `${prefix}:outbox:{t:${team}}`,
    outboxPrefix: `${prefix}:outbox:{t:`,
    outboxChannel: `${prefix}:outbox`,
    endedChannel: `${prefix}:ended`,
    batch: (id) => `${prefix}:batch:{${id}}`,
    results: (key) => ({ result: `${prefix}:result:{c:${key}}`, claim: `${prefix}:claim:{c:${key}}`, followers: `${prefix}:followers:{c:${key}}:` }),
    saved: (team) => `${prefix}:saved:{t:${team}}`
  }
}
