import { Cluster } from 'ioredis'
import { endsJob, type JobEnded } from '../../ending.js'
import { canTransition, DEFAULT_TEAM, IllegalTransitionError, JOB_STATUSES, type Job, type JobChange, type JobStatus, jobFields } from '../../job.js'
import type { JobStore } from '../../store.js'
import type { RedisClient } from './client.js'
import type { RedisKeys } from './keys.js'
import { defineScripts } from './scripts.js'

export const DEFAULT_JOB_TTL_MS = 30 * 24 * 60 * 60 * 1000

/** Times kept as decimal strings, JSON fields as JSON, text as it is (core/job.ts JOB_FIELDS). */
const NUMBERS = jobFields({ kind: 'time' })
const STRINGS = jobFields({ kind: 'text', set: 'change' })
const JSONS = jobFields({ kind: 'json' })
const OPTIONAL = [...NUMBERS, ...STRINGS]
const KEPT = jobFields({ kind: 'text' })

/** A job as its Redis hash: JSON for payload and result, decimal strings for numbers, absent fields absent. */
export function toHash (job: Job): Record<string, string> {
  const hash: Record<string, string> = {
    id: job.id,
    vendor: job.vendor,
    team: job.team,
    status: job.status,
    payload: JSON.stringify(job.payload),
    attempts: String(job.attempts),
    createdAt: String(job.createdAt),
    updatedAt: String(job.updatedAt)
  }
  for (const field of JSONS) if (job[field] !== undefined) hash[field] = JSON.stringify(job[field])
  for (const field of NUMBERS) if (job[field] !== undefined) hash[field] = String(job[field])
  for (const field of KEPT) if (job[field] !== undefined) hash[field] = job[field] as string
  return hash
}

/** toHash as HSET takes it: field, value, field, value... (a loop: entries().flat() was 3% of a POST's CPU). */
export function hashArgs (job: Job): string[] {
  const hash = toHash(job)
  const args: string[] = []
  for (const field in hash) args.push(field, hash[field] as string)
  return args
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
    // A job stored before teams existed has no team: it was open mode's.
    team: hash.team ?? DEFAULT_TEAM,
    status: status as JobStatus,
    payload: JSON.parse(field('payload')),
    attempts: Number(field('attempts')),
    createdAt: Number(field('createdAt')),
    updatedAt: Number(field('updatedAt'))
  }
  for (const name of JSONS) if (hash[name] !== undefined) job[name] = JSON.parse(hash[name])
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
  for (const name of JSONS) {
    if (change[name] === null) remove.push(name)
    else if (change[name] !== undefined) set.push(name, JSON.stringify(change[name]))
  }
  for (const name of OPTIONAL) {
    const value = change[name]
    if (value === null) remove.push(name)
    else if (value !== undefined) set.push(name, String(value))
  }
  return { set, remove }
}

/**
 * What end-job.lua needs of a change that ends a job: the job's id, the outbox prefix (`inline`:
 * one Redis, where the script indexes the delivery itself; else '' and the store does it after the script)
 * and the channels it wakes.
 */
export function endSettings (keys: RedisKeys, id: string, inline: boolean): { id: string, o: string, n: string, c: string } {
  return { id, o: inline ? keys.outboxPrefix : '', n: keys.outboxChannel, c: keys.endedChannel }
}

export function pairs (flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string
  return hash
}

/**
 * Redis mode's store: a hash per job, under the job's own hash tag, expiring after `ttlMs`, changed only by
 * scripts. On a Redis Cluster a job's end cannot index its completion webhook in the same script (the
 * team's outbox lives on another node): `ended` is then told of each job that ended, after the script.
 */
export function createRedisStore (redis: RedisClient, keys: RedisKeys, ttlMs = DEFAULT_JOB_TTL_MS, opts: { ended?: JobEnded } = {}): JobStore {
  defineScripts(redis)
  const inline = !(redis instanceof Cluster)
  /** The job as changed ('job'), or whether the change applied ('ok'); false when the compared field held something else. */
  const update = async (id: string, field: 'status' | 'holder', expected: string, change: JobChange, wants: 'job' | 'ok'): Promise<Job | boolean> => {
    const { set, remove } = changeFields(change)
    const ending = endsJob(change)
    const afterwards = ending && opts.ended !== undefined
    // The hook after the script needs the job as it ended.
    const reply = wants === 'job' || afterwards ? 'job' : 'ok'
    const changed = await redis.vfsUpdateJob(keys.job(id), field, expected, Date.now(), reply, ending ? JSON.stringify(endSettings(keys, id, inline)) : '', set.length / 2, ...set, ...remove)
    if (changed === null) return false
    if (!Array.isArray(changed)) return true
    const job = fromHash(pairs(changed))
    if (afterwards) await opts.ended?.(job)
    return job
  }
  return {
    kind: 'redis',
    async create (job) {
      const created = await redis.vfsCreateJob(keys.job(job.id), ttlMs, ...hashArgs(job))
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
      return await update(id, 'holder', holder, { ...change, holder: null }, 'ok') !== false
    },
    async transition (id, from, change) {
      const to = change.status ?? from
      // Refused here, before any round trip: an illegal move is a bug in the caller, not a lost race.
      if (!canTransition(from, to)) throw new IllegalTransitionError(from, to)
      const job = await update(id, 'status', from, change, 'job')
      return typeof job === 'boolean' ? null : job
    },
    async recordNotify (id, expected, next) {
      return await redis.vfsNotifyJob(keys.job(id), JSON.stringify(expected), JSON.stringify(next)) === 1
    },
    async watch (ids, until) {
      const statuses = await Promise.all(ids.map((id) => redis.vfsWatchJob(keys.job(id), until)))
      return statuses.map((s) => s === null ? undefined : s as JobStatus)
    },
    async ping () {
      await redis.ping()
    }
  }
}
