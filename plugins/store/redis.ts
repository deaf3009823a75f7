import type { Cluster, Redis } from 'ioredis'
import { redisKeys } from '../redis/keys.js'
import { defineScripts } from '../redis/scripts.js'
import { canTransition, IllegalTransitionError, JOB_STATUSES, type Job, type JobChange, type JobStatus } from './job-state.js'
import type { JobStore } from './types.js'

export const DEFAULT_JOB_TTL_MS = 30 * 24 * 60 * 60 * 1000
/** Transitions kept in the job-events stream, approximately: an audit trail, not a history of record. */
const EVENTS_MAX_LEN = 1_000_000

export interface RedisStoreOptions {
  prefix?: string
  /** How long a job's hash lives after its creation. */
  ttlMs?: number
}

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
  if (job.error !== undefined) hash.error = job.error
  if (job.deadline !== undefined) hash.deadline = String(job.deadline)
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
  if (hash.error !== undefined) job.error = hash.error
  if (hash.deadline !== undefined) job.deadline = Number(hash.deadline)
  return job
}

/** A change as hash fields to set and fields to remove (those the change sets to null). */
function changeFields (to: JobStatus, change: JobChange): { set: string[], remove: string[] } {
  const set = ['status', to]
  const remove: string[] = []
  if (change.attempts !== undefined) set.push('attempts', String(change.attempts))
  if (change.result !== undefined) set.push('result', JSON.stringify(change.result))
  if (change.error === null) remove.push('error')
  else if (change.error !== undefined) set.push('error', change.error)
  if (change.deadline === null) remove.push('deadline')
  else if (change.deadline !== undefined) set.push('deadline', String(change.deadline))
  return { set, remove }
}

function pairs (flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string
  return hash
}

export interface RedisStore extends JobStore {
  /** Creates the job and its job-queue entry in one script, so that neither exists without the other. */
  submit (job: Job): Promise<void>
  /** A transition that also queues the job, in one script: a replayed job is never pending without an entry. */
  transitionAndQueue (id: string, from: JobStatus, change: JobChange): Promise<Job | null>
}

/** Redis mode's store: a hash per job that expires after `ttlMs`, changed only by the Lua scripts. */
export function createRedisStore (redis: Redis | Cluster, opts: RedisStoreOptions = {}): RedisStore {
  const keys = redisKeys(opts.prefix)
  const ttlMs = opts.ttlMs ?? DEFAULT_JOB_TTL_MS
  // Index entries older than the TTL point at hashes Redis has already expired.
  const cutoff = (): number => Date.now() - ttlMs
  defineScripts(redis)
  const create = async (job: Job, enqueue: boolean): Promise<void> => {
    const hash = Object.entries(toHash(job)).flat()
    const created = await redis.vfsCreateJob(keys.job(job.id), keys.status(job.status), keys.vendor(job.vendor), keys.queue,
      job.id, job.createdAt, ttlMs, cutoff(), enqueue ? job.vendor : '', ...hash)
    if (created === 0) throw new Error(`job ${job.id} already exists`)
  }
  const transition = async (id: string, from: JobStatus, change: JobChange, enqueue: boolean): Promise<Job | null> => {
    const to = change.status ?? from
    // Refused here, before any round trip: an illegal move is a bug in the caller, not a lost race.
    if (!canTransition(from, to)) throw new IllegalTransitionError(from, to)
    const { set, remove } = changeFields(to, change)
    const flat = await redis.vfsTransitionJob(keys.job(id), keys.status(from), keys.status(to), keys.events, keys.queue,
      from, Date.now(), cutoff(), EVENTS_MAX_LEN, enqueue ? '1' : '0', set.length / 2, ...set, ...remove)
    return flat === null ? null : fromHash(pairs(flat))
  }
  return {
    kind: 'redis',
    create: (job) => create(job, false),
    submit: (job) => create(job, true),
    async get (id) {
      const hash = await redis.hgetall(keys.job(id))
      return Object.keys(hash).length === 0 ? null : fromHash(hash)
    },
    transition: (id, from, change) => transition(id, from, change, false),
    transitionAndQueue: (id, from, change) => transition(id, from, change, true),
    async ping () {
      await redis.ping()
    }
  }
}
