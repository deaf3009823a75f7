import { canTransition, IllegalTransitionError, JOB_STATUSES, type Job, type JobChange, type JobStatus } from '../../job.js'
import type { JobStore } from '../../store.js'
import type { RedisClient } from './client.js'
import type { RedisKeys } from './keys.js'
import { defineScripts } from './scripts.js'

export const DEFAULT_JOB_TTL_MS = 30 * 24 * 60 * 60 * 1000

/** Numbers kept as decimal strings; result as JSON; the rest as they are (a trace is set at creation only). */
const NUMBERS = ['nextAttemptAt', 'deadline'] as const
const STRINGS = ['error', 'lastError', 'holder', 'waiting', 'vendorRef'] as const
const OPTIONAL = [...NUMBERS, ...STRINGS]
const KEPT = [...STRINGS, 'trace'] as const

/** A job as its Redis hash: JSON for payload and result, decimal strings for numbers, absent fields absent. */
export function toHash (job: Job): Record<string, string> {
  const hash: Record<string, string> = {
    id: job.id,
    vendor: job.vendor,
    status: job.status,
    payload: JSON.stringify(job.payload),
    attempts: String(job.attempts),
    createdAt: String(job.createdAt),
    updatedAt: String(job.updatedAt)
  }
  if (job.result !== undefined) hash.result = JSON.stringify(job.result)
  for (const field of NUMBERS) if (job[field] !== undefined) hash[field] = String(job[field])
  for (const field of KEPT) if (job[field] !== undefined) hash[field] = job[field] as string
  return hash
}

/** The inverse of toHash; a hash missing a required field is corrupt and throws. */
export function fromHash (hash: Record<string, string>): Job {
  const field = (name: string): string => {
    const value = hash[name]
    if (value === undefined) throw new Error(`job hash ${hash.id ?? '?'} has no ${name}`)
    return value
  }
  const status = field('status')
  if (!(JOB_STATUSES as readonly string[]).includes(status)) throw new Error(`job hash ${hash.id} has an unknown status "${status}"`)
  const job: Job = {
    id: field('id'),
    vendor: field('vendor'),
    status: status as JobStatus,
    payload: JSON.parse(field('payload')),
    attempts: Number(field('attempts')),
    createdAt: Number(field('createdAt')),
    updatedAt: Number(field('updatedAt'))
  }
  if (hash.result !== undefined) job.result = JSON.parse(hash.result)
  for (const name of NUMBERS) if (hash[name] !== undefined) job[name] = Number(hash[name])
  for (const name of KEPT) if (hash[name] !== undefined) (job as unknown as Record<string, string>)[name] = hash[name]
  return job
}

/** A change as hash fields to set and fields to remove (those the change sets to null). */
export function changeFields (change: JobChange): { set: string[], remove: string[] } {
  const set: string[] = []
  const remove: string[] = []
  if (change.status !== undefined) set.push('status', change.status)
  if (change.attempts !== undefined) set.push('attempts', String(change.attempts))
  if (change.result === null) remove.push('result')
  else if (change.result !== undefined) set.push('result', JSON.stringify(change.result))
  for (const name of OPTIONAL) {
    const value = change[name]
    if (value === null) remove.push(name)
    else if (value !== undefined) set.push(name, String(value))
  }
  return { set, remove }
}

export function pairs (flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string
  return hash
}

/** Redis mode's store: a hash per job, under the job's own hash tag, expiring after `ttlMs`, changed only by scripts. */
export function createRedisStore (redis: RedisClient, keys: RedisKeys, ttlMs = DEFAULT_JOB_TTL_MS): JobStore {
  defineScripts(redis)
  const update = async (id: string, field: 'status' | 'holder', expected: string, change: JobChange, reply: 'job' | 'ok') => {
    const { set, remove } = changeFields(change)
    return redis.vfsUpdateJob(keys.job(id), field, expected, Date.now(), reply, set.length / 2, ...set, ...remove)
  }
  return {
    kind: 'redis',
    async create (job) {
      const created = await redis.vfsCreateJob(keys.job(job.id), ttlMs, ...Object.entries(toHash(job)).flat())
      if (created === 0) throw new Error(`job ${job.id} already exists`)
    },
    async get (id) {
      const hash = await redis.hgetall(keys.job(id))
      return Object.keys(hash).length === 0 ? null : fromHash(hash)
    },
    async claim (id, claimant) {
      const reply = await redis.vfsClaimJob(keys.job(id), claimant.entry, claimant.deliveries, claimant.kind, Date.now())
      return typeof reply === 'string' ? { ok: false, reason: reply } : { ok: true, job: fromHash(pairs(reply)) }
    },
    async settle (id, holder, change) {
      return await update(id, 'holder', holder, { ...change, holder: null }, 'ok') === 1
    },
    async transition (id, from, change) {
      const to = change.status ?? from
      // Refused here, before any round trip: an illegal move is a bug in the caller, not a lost race.
      if (!canTransition(from, to)) throw new IllegalTransitionError(from, to)
      const reply = await update(id, 'status', from, change, 'job')
      return Array.isArray(reply) ? fromHash(pairs(reply)) : null
    },
    async ping () {
      await redis.ping()
    }
  }
}
