import { randomUUID } from 'node:crypto'
import { DEFAULT_TEAM, isTerminal, type Job } from '../../job.js'
import type { JobStore } from '../../store.js'
import type { RedisClient } from '../redis/client.js'
import { defineScripts } from '../redis/scripts.js'

export interface CacheKeys {
  /** `<prefix>:job:{<id>}`: the braces make the id the hash tag, so an entry and its lease share a slot. */
  cache (id: string): string
}

export interface CachedStoreOptions {
  /** How long a pending or processing job stays cached (the seed's 5 minutes). */
  activeTtlS?: number
  /** How long a complete or failed job stays cached (the seed's hour). */
  terminalTtlS?: number
}

/** Longer than a store write normally takes; a slower one only drops the entry instead of writing it. */
const LEASE_MS = 5_000

/**
 * Full mode's read cache: Redis `job:{id}` in front of the store, written through by every create and
 * successful transition, so that a read is never older than the store.
 *
 * Writing through alone is not enough: two processes' transitions of one job (a webhook, and the worker
 * recording the acceptance) can reach Redis in the opposite order to the store's, and a read that missed
 * can put back what it read just before a transition. So a put needs a lease taken before the store is
 * read or written, and happens only while its token is still the lease; every put ends the lease, and a
 * store write whose lease was taken over drops the entry instead. Whatever was read or written before a
 * later store write therefore cannot outlive that write's own put or drop. Readers take only a free
 * lease and give up quietly when they lose it, so reads never undo a write-through.
 *
 * Writes need Redis: the lease comes first, so while Redis is down a write fails with nothing changed
 * (in full mode the queue is in Redis too: nothing could progress anyway). Should Redis fail between the
 * store write and the put, the write rejects although the store has it, rather than report a success
 * while an older entry may stay readable until its TTL; callers already treat a failed write as an
 * unknown outcome that the compare-and-set makes safe to retry. Reads without Redis go to the store.
 */
export function createCachedStore (inner: JobStore, redis: RedisClient, keys: CacheKeys, opts: CachedStoreOptions = {}): JobStore {
  const activeTtlS = opts.activeTtlS ?? 300
  const terminalTtlS = opts.terminalTtlS ?? 3600
  defineScripts(redis)
  const lease = (id: string): string => `${keys.cache(id)}:lease`
  const put = (job: Job, token: string, stored: 0 | 1) =>
    redis.vfsCacheWrite(keys.cache(job.id), lease(job.id), token, JSON.stringify(job), isTerminal(job.status) ? terminalTtlS : activeTtlS, stored)

  /** Takes the lease, runs the store write, then puts its outcome; null (nothing written) leaves the entry. */
  const write = async (id: string, store: () => Promise<Job | null>): Promise<Job | null> => {
    const token = randomUUID()
    await redis.set(lease(id), token, 'PX', LEASE_MS)
    const job = await store()
    if (job === null) return null
    try {
      await put(job, token, 1)
    } catch (err) {
      throw new Error(`job ${id} was stored, but its cache entry could not be updated: ${(err as Error).message}`, { cause: err })
    }
    return job
  }

  return {
    kind: `cached ${inner.kind}`,
    async create (job) {
      await write(job.id, async () => {
        await inner.create(job)
        return job
      })
    },
    async get (id) {
      const token = randomUUID()
      let cached: string | 0 | 1
      try {
        cached = await redis.vfsCacheRead(keys.cache(id), lease(id), token, LEASE_MS)
      } catch {
        return inner.get(id)
      }
      // An entry cached before teams existed has no team: it was open mode's.
      if (typeof cached === 'string') return { team: DEFAULT_TEAM, ...JSON.parse(cached) as Omit<Job, 'team'> }
      const job = await inner.get(id)
      if (job !== null && cached === 1) await put(job, token, 0).catch(() => {})
      return job
    },
    async claim (id, claimant) {
      let claim: Awaited<ReturnType<JobStore['claim']>> = { ok: false, reason: 'missing' }
      await write(id, async () => {
        claim = await inner.claim(id, claimant)
        return claim.ok ? claim.job : null
      })
      return claim
    },
    async settle (id, holder, change) {
      const token = randomUUID()
      await redis.set(lease(id), token, 'PX', LEASE_MS)
      const settled = await inner.settle(id, holder, change)
      // The store does not answer the job: the entry goes, and the next read fills it from the store.
      if (settled) await redis.del(keys.cache(id), lease(id))
      return settled
    },
    transition: (id, from, change) => write(id, () => inner.transition(id, from, change)),
    async recordNotify (id, expected, next) {
      const token = randomUUID()
      await redis.set(lease(id), token, 'PX', LEASE_MS)
      const recorded = await inner.recordNotify(id, expected, next)
      // As for a settlement: the entry goes, and the next read fills it from the store.
      if (recorded) await redis.del(keys.cache(id), lease(id))
      return recorded
    },
    watch: (ids, until) => inner.watch(ids, until),
    ping: () => inner.ping()
  }
}
