import { createHash } from 'node:crypto'
import type { JobStatus } from '../../job.js'

/** One vendor's keys: its queue, limits, breaker and indexes share the hash tag `{v:<vendor>}`, so one slot. */
export interface VendorKeys {
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
  /** String: the job a vendor's own id names, for its callbacks. */
  ref (vendorRef: string): string
  /** The prefix every key above starts with, for scripts that build `status:` and `quota:` keys. */
  base: string
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
        ref: (vendorRef) => `${base}ref:${vendorRef}`
      }
    },
    idempotency: (key) => `${prefix}:idempotency:{${createHash('sha256').update(key).digest('hex')}}`,
    lease: (name) => `${prefix}:lease:{${name}}`,
    group: 'workers',
    wakeChannel: `${prefix}:wake`,
    shared: (name) => `${prefix}:{${name}}`
  }
}
