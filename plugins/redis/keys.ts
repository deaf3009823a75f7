import type { JobStatus } from '../store/job-state.js'

/**
 * Every key shares this hash tag, so that any keys one Lua script touches sit in one Cluster slot.
 * The price is that all job data lives on one shard; splitting it needs per-job tags and scripts
 * that touch one job's keys only.
 */
const TAG = '{jobs}'

export interface RedisKeys {
  /** Hash: one job, expiring after the store's TTL. */
  job (id: string): string
  /** Zset of job ids by createdAt: the jobs in one status. */
  status (status: JobStatus): string
  /** Zset of job ids by createdAt: one vendor's jobs. */
  vendor (vendor: string): string
  /** Stream `job-queue`: the work to do. */
  queue: string
  /** Stream: entries delivered too many times. */
  deadLetter: string
  /** Stream `job-events`: every transition, `id from to`. */
  events: string
  /** Zset of queue entries by the time they are due (retries with backoff). */
  delayed: string
  /** Zset of job ids by the time an async vendor's callback is due. */
  deadlines: string
  /** The consumer group that reads `queue`. */
  group: string
  /** rate-limiter-flexible's key prefix for one vendor's windows; outside the tag, as no script joins it. */
  rateLimit (vendor: string): string
  /** Full mode's read cache, the seed's `job:{id}`: the id is the hash tag, so an entry and its lease share a slot. */
  cache (id: string): string
  /** One vendor's circuit breaker: its state and its outcome buckets, under one tag. */
  breaker (vendor: string): { state: string, bucket (index: number): string }
}

/** The one place Redis keys are built: `<prefix>:{jobs}:<name>`. A test gives each case its own prefix. */
export function redisKeys (prefix = 'vfs'): RedisKeys {
  // A brace in the prefix would become the hash tag and scatter the keys over slots.
  if (/[{}]/.test(prefix)) throw new Error(`a Redis key prefix cannot contain { or }: "${prefix}"`)
  const key = (name: string): string => `${prefix}:${TAG}:${name}`
  return {
    job: (id) => key(`job:${id}`),
    status: (status) => key(`status:${status}`),
    vendor: (vendor) => key(`vendor:${vendor}`),
    queue: key('job-queue'),
    deadLetter: key('job-dlq'),
    events: key('job-events'),
    delayed: key('delayed'),
    deadlines: key('deadlines'),
    group: 'workers',
    rateLimit: (vendor) => `${prefix}:rate_limit:${vendor}`,
    cache: (id) => `${prefix}:job:{${id}}`,
    breaker: (vendor) => {
      const at = (name: string): string => `${prefix}:{breaker:${vendor}}:${name}`
      return { state: at('state'), bucket: (index) => at(`bucket:${index}`) }
    }
  }
}
