import { Cluster } from 'ioredis'
import type { Backend } from '../../backend.js'
import type { BatchStore } from '../../batches.js'
import { type DispatchQueue, type DispatchSettings, queued } from '../../dispatch/queue.js'
import { endListeners, endsJob, type EndListeners } from '../../ending.js'
import type { Job } from '../../job.js'
import type { JobIndex } from '../../listing.js'
import { intendNotify } from '../../notify/outbox.js'
import type { JobStore, WaitingJobs } from '../../store.js'
import { tracedSubmit } from '../../tracing.js'
import { replayJob, storeBatchJobs } from '../shared.js'
import { createRedisBatches } from './batches.js'
import { type RedisClient, subscribeWhenReady } from './client.js'
import { createRedisHistory } from './history.js'
import { createRedisIdempotencyKeys } from './idempotency.js'
import { redisKeys } from './keys.js'
import { createRedisIndex } from './listing.js'
import { createRedisOutbox, redisEndHook } from './outbox.js'
import { createRedisQueue } from './queue.js'
import { createRedisResults } from './results.js'
import { createRedisStore, hashArgs, toHash } from './store.js'
import { createRedisTokenCache } from './token-cache.js'

export interface RedisBackendOptions extends DispatchSettings {
  prefix: string
  jobTtlMs: number
  /** This process's consumer name, unique per process. */
  consumer: string
  vendors: string[]
  /** A second connection for the wake-up channel. */
  subscriber: RedisClient
  /**
   * Full mode: the jobs live in this store (MongoDB behind a cache) instead of Redis hashes, which tells
   * `redisEndHook(redis, keys, true)` of each job that ended...
   */
  store?: JobStore
  /** ...and their batches in this one... */
  batches?: BatchStore
  /** ...and are listed by its own indexes... */
  index?: JobIndex
  /** ...and, for the reconciler, the waiting ones straight from MongoDB. */
  waiting?: WaitingJobs
  /** Full mode: the listeners MongoDB's store tells of ends (onJobEnded adds to them). */
  ends?: EndListeners
  now?: () => number
}

/**
 * Redis mode's backend, built in one place: the scripts registered once, the job store (a hash per job)
 * and the per-vendor queues with the fleet's limits. In full mode the same queues serve MongoDB's jobs.
 */
export async function createRedisBackend (redis: RedisClient, opts: RedisBackendOptions): Promise<Backend> {
  const keys = redisKeys(opts.prefix)
  const cluster = redis instanceof Cluster
  const ends = opts.ends ?? endListeners()
  // On a Cluster the store indexes a completion webhook after the end; in any mode it tells the end's listeners.
  const outboxHook = cluster ? redisEndHook(redis, keys, false) : undefined
  const store = opts.store ?? createRedisStore(redis, keys, opts.jobTtlMs, {
    ended: async (job) => { await Promise.all([outboxHook?.(job), ends.wants(job.vendor) ? ends.tell(job) : undefined]) }
  })
  const own = opts.store === undefined
  // With the jobs beside the queues in one Redis, submitting a job queues it, taking it claims it and settling
  // it records its outcome, each in one step.
  // On a Redis Cluster a job's hash and its vendor's queue live on different nodes: no script touches both.
  const together = own && !cluster
  const queue = tellSettledEnds(await createRedisQueue(redis, { ...opts, keys, claims: together, cluster }), store, ends)
  const outbox = await createRedisOutbox(redis, keys, opts.subscriber)
  const batches = opts.batches ?? createRedisBatches(redis, keys, opts.jobTtlMs)
  const ended = new Set<(id: string) => void>()
  await subscribeWhenReady(opts.subscriber, keys.endedChannel)
  opts.subscriber.on('message', (channel: string, id: string) => {
    if (channel === keys.endedChannel) for (const listener of ended) listener(id)
  })
  // Where a job's end and its outbox entry are two writes (a Cluster, MongoDB), a job that asks for a
  // completion webhook gets an entry before it is stored, which finds the webhook should the second write be lost.
  const intents = together ? undefined : outbox
  const submitArgs = (job: Job): [string, string, number, string, string, string, string, number, string, string, number, ...string[]] => {
    const k = keys.vendor(job.vendor)
    return [keys.job(job.id), k.wake, opts.jobTtlMs, k.base, keys.wakeChannel, job.vendor,
      job.id, job.createdAt, job.trace ?? '', job.team, opts.weightOf?.(job.team) ?? 1, ...hashArgs(job)]
  }
  return {
    store,
    queue,
    index: opts.index ?? createRedisIndex(redis, keys, store),
    tokens: createRedisTokenCache(redis, keys),
    submit: (job) => tracedSubmit(job, async (traced) => {
      const entry = [queued(traced)]
      if (together) {
        const created = await redis.vfsSubmit(...submitArgs(traced))
        if (created === 0) throw new Error(`job ${traced.id} already exists`)
        return
      }
      await intendNotify(intents, [traced])
      if (own) {
        // A Cluster writes both at once on their two nodes; a worker that meets the entry before the job waits for it (runDelivery).
        await Promise.all([store.create(traced), queue.enqueue(traced.vendor, entry)])
      } else {
        // Full mode writes MongoDB first: should the process die in between, the reconciler finds the pending
        // job without an entry once its grace is over and queues it.
        await store.create(traced)
        await queue.enqueue(traced.vendor, entry)
      }
    }),
    async submitBatch (batch, jobs) {
      if (!together) {
        await intendNotify(intents, jobs)
        await storeBatchJobs(store, queue, jobs)
        await batches.create(batch)
        return
      }
      // One round trip: submit-batch.lua creates and queues every job, then keeps the batch.
      const vendors = [...new Set(jobs.map((job) => job.vendor))]
      const teams = [...new Set(jobs.map((job) => job.team))]
      // The fields every job shares go once; each job sends the rest of its hash.
      const hashes = jobs.map(toHash)
      const shared: Record<string, string> = { ...hashes[0] }
      for (const hash of hashes) for (const field in shared) if (hash[field] !== shared[field]) delete shared[field]
      const flat = (hash: Record<string, string>, keep: (field: string) => boolean): string[] => {
        const fields: string[] = []
        for (const field in hash) if (keep(field)) fields.push(field, hash[field] as string)
        return fields
      }
      const list = jobs.map((job, i) => [vendors.indexOf(job.vendor) + 1, teams.indexOf(job.team) + 1, job.id, String(job.createdAt), job.trace ?? '',
        flat(hashes[i] as Record<string, string>, (field) => !(field in shared))])
      const args = [opts.jobTtlMs, keys.wakeChannel, JSON.stringify(batch), keys.jobPrefix, JSON.stringify(flat(shared, () => true)), JSON.stringify(list),
        vendors.length, ...vendors.flatMap((vendor) => [vendor, keys.vendor(vendor).base, keys.vendor(vendor).wake]),
        ...teams.flatMap((team) => [team, opts.weightOf?.(team) ?? 1])]
      await redis.vfsSubmitBatch(keys.batch(batch.id), ...args)
    },
    batches,
    outbox,
    onEnded (listener) {
      ended.add(listener)
      return () => ended.delete(listener)
    },
    onJobEnded: (listener, only) => ends.add(listener, only),
    results: createRedisResults(redis, keys),
    replay: (id) => replayJob(store, queue, id, intents),
    idempotency: createRedisIdempotencyKeys(redis, keys),
    ...(opts.waiting === undefined ? {} : { waiting: opts.waiting }),
    history: createRedisHistory(redis, keys),
    lease: async (name, ms) => await redis.set(keys.lease(name), opts.consumer, 'PX', ms, 'NX') === 'OK',
    async close () {
      ended.clear()
      await queue.close()
      await opts.subscriber.unsubscribe(keys.endedChannel, keys.outboxChannel).catch(() => {})
    }
  }
}

/**
 * Where jobs and queues share one Redis, settle.lua ends jobs itself: the ends' listeners hear of them
 * after the script, each job read back, for the vendors they want only.
 */
function tellSettledEnds (queue: DispatchQueue, store: JobStore, ends: EndListeners): DispatchQueue {
  if (!queue.claims) return queue
  const settle = queue.settle.bind(queue)
  return Object.assign(Object.create(queue) as DispatchQueue, {
    async settle (...args: Parameters<DispatchQueue['settle']>) {
      const [limits, settlements] = args
      const applied = await settle(...args)
      if (ends.wants(limits.name)) {
        const ended = settlements.filter((s, i) => applied[i] === true && s.change !== undefined && endsJob(s.change))
        await Promise.all(ended.map(async (s) => {
          const job = await store.get(s.delivery.jobId).catch(() => null)
          if (job !== null) await ends.tell(job)
        }))
      }
      return applied
    }
  })
}
