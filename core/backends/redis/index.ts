import { type Backend, queued, replayJob } from '../../backend.js'
import type { DispatchSettings } from '../../dispatch/queue.js'
import type { JobIndex } from '../../listing.js'
import type { JobStore, WaitingJobs } from '../../store.js'
import { tracedSubmit } from '../../tracing.js'
import type { RedisClient } from './client.js'
import { createRedisIdempotencyKeys } from './idempotency.js'
import { redisKeys } from './keys.js'
import { createRedisIndex } from './listing.js'
import { createRedisQueue } from './queue.js'
import { createRedisStore } from './store.js'
import { createRedisTokenCache } from './token-cache.js'

export interface RedisBackendOptions extends DispatchSettings {
  prefix: string
  jobTtlMs: number
  /** This process's consumer name, unique per process. */
  consumer: string
  vendors: string[]
  /** A second connection for the wake-up channel. */
  subscriber: RedisClient
  /** Full mode: the jobs live in this store (MongoDB behind a cache) instead of Redis hashes... */
  store?: JobStore
  /** ...and are listed by its own indexes... */
  index?: JobIndex
  /** ...and, for the reconciler, the waiting ones straight from MongoDB. */
  waiting?: WaitingJobs
  /** A Redis Cluster: a job's hash and its vendor's queue live on different nodes, so no script touches both. */
  cluster?: boolean
  now?: () => number
}

/**
 * Redis mode's backend, built in one place: the scripts registered once, the job store (a hash per job)
 * and the per-vendor queues with the fleet's limits. In full mode the same queues serve MongoDB's jobs.
 */
export async function createRedisBackend (redis: RedisClient, opts: RedisBackendOptions): Promise<Backend> {
  const keys = redisKeys(opts.prefix)
  const store = opts.store ?? createRedisStore(redis, keys, opts.jobTtlMs)
  const own = opts.store === undefined
  // With the jobs beside the queues in one Redis, taking a job claims it and settling it records its outcome.
  const queue = await createRedisQueue(redis, { ...opts, keys, claims: own && opts.cluster !== true })
  return {
    store,
    queue,
    index: opts.index ?? createRedisIndex(redis, keys, store),
    tokens: createRedisTokenCache(redis, keys),
    submit: (job) => tracedSubmit(job, async (traced) => {
      const entry = [queued(traced)]
      // Redis mode sends both at once; a worker that meets the entry before the job waits for it (runDelivery).
      // Full mode writes MongoDB first: should the process die in between, the reconciler finds the pending
      // job without an entry once its grace is over and queues it.
      if (own) await Promise.all([store.create(traced), queue.enqueue(traced.vendor, entry)])
      else {
        await store.create(traced)
        await queue.enqueue(traced.vendor, entry)
      }
    }),
    replay: (id) => replayJob(store, queue, id),
    idempotency: createRedisIdempotencyKeys(redis, keys),
    ...(opts.waiting === undefined ? {} : { waiting: opts.waiting }),
    lease: async (name, ms) => await redis.set(keys.lease(name), opts.consumer, 'PX', ms, 'NX') === 'OK',
    close: () => queue.close()
  }
}
