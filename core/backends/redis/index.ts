import { Cluster } from 'ioredis'
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
import { createRedisStore, toHash } from './store.js'
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
  // With the jobs beside the queues in one Redis, submitting a job queues it, taking it claims it and settling
  // it records its outcome, each in one step.
  // On a Redis Cluster a job's hash and its vendor's queue live on different nodes: no script touches both.
  const together = own && !(redis instanceof Cluster)
  const queue = await createRedisQueue(redis, { ...opts, keys, claims: together })
  return {
    store,
    queue,
    index: opts.index ?? createRedisIndex(redis, keys, store),
    tokens: createRedisTokenCache(redis, keys),
    submit: (job) => tracedSubmit(job, async (traced) => {
      const entry = [queued(traced)]
      if (together) {
        const k = keys.vendor(traced.vendor)
        const created = await redis.vfsSubmit(keys.job(traced.id), k.queue, k.wake, opts.jobTtlMs, k.base, keys.wakeChannel, traced.vendor,
          traced.id, traced.createdAt, traced.trace ?? '', ...Object.entries(toHash(traced)).flat())
        if (created === 0) throw new Error(`job ${traced.id} already exists`)
      } else if (own) {
        // A Cluster writes both at once on their two nodes; a worker that meets the entry before the job waits for it (runDelivery).
        await Promise.all([store.create(traced), queue.enqueue(traced.vendor, entry)])
      } else {
        // Full mode writes MongoDB first: should the process die in between, the reconciler finds the pending
        // job without an entry once its grace is over and queues it.
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
