import { completeChange, failChange } from './ending.js'
import type { JobStore } from './store.js'
import { isTerminal, type Job, type JobChange, type JobSource } from './job.js'
import { failedForItsTeam } from './team-failures.js'

/*
 * The result cache and the coalescing of identical jobs (DESIGN "Spend (v3)"), over a backend's
 * ResultCache: per cache key, a result kept for its ttl, and a claim naming the job on the wire for it
 * (the leader) with the jobs that joined it (its followers). The rules live here once; the memory and
 * Redis backends only keep the state, each key's steps atomic (one script per step in Redis).
 */

/** What a submission finds under its key: a fresh result, a leader to join, or nothing (it leads). */
export type Admission = { kind: 'hit', result: unknown, at: number } | { kind: 'follow', leader: string } | { kind: 'lead' }

/** Calls a team did not make on one vendor, by why, and what they would have cost. */
export interface Saved { cache: number, coalesced: number, cost: number }

export interface ResultCache {
  /**
   * In one step: a result no older than `maxAgeMs` (any unexpired one without it); else the claim's leader,
   * which `id` joins; else `id` claims the key for `claimMs` and leads.
   */
  admit (key: string, id: string, opts: { maxAgeMs?: number, claimMs: number }): Promise<Admission>
  /**
   * A leader's end, in one step: its result kept for `keep.ttlMs` (a completed job's only), its claim
   * released (when it is still its own) and its followers handed back, once.
   */
  finish (key: string, id: string, keep?: { result: unknown, ttlMs: number }): Promise<string[]>
  /** Counts a call saved for `team` on `vendor`, and what it would have cost, in micros (core/dispatch/spend.ts). */
  saved (team: string, vendor: string, source: 'cache' | 'coalesced', micros: number): Promise<void>
  /** The calls saved for `team`, per vendor and source, and what they would have cost (in the operator's currency). */
  savedOf (team: string): Promise<Record<string, Saved>>
}

/** A submission's `Cache-Control`: `no-cache` skips the cache and coalescing; `max-age` bounds a result's age. */
export interface Freshness {
  noCache?: boolean
  maxAgeMs?: number
}

/** Why a Cache-Control header cannot be read; undefined when it can. */
export function parseCacheControl (header: string | undefined): Freshness | string {
  if (header === undefined) return {}
  const out: Freshness = {}
  for (const part of header.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== '')) {
    if (part === 'no-cache' || part === 'no-store') out.noCache = true
    else if (part.startsWith('max-age=')) {
      const text = part.slice('max-age='.length).replace(/^"(.*)"$/, '$1')
      if (!/^\d{1,10}$/.test(text)) return `max-age must be a whole number of seconds, got "${text}"`
      out.maxAgeMs = Number(text) * 1000
    } else return `only no-cache and max-age=<seconds> are understood, got "${part}"`
  }
  return out
}

/** What the result cache needs of a backend to create the jobs it decides on. */
interface Jobs {
  store: JobStore
  submit (job: Job): Promise<void>
  /** Lists a job created or ended outside the queue (the Redis backend's status indexes). */
  index (job: Job): Promise<void>
  /** Indexes a completion webhook of a job created already ended. */
  ended (job: Job): Promise<void>
  /**
   * Gives a job that asks for a completion webhook an outbox entry due a moment later, before it is stored:
   * should the write that indexes its end be lost (a process dying between two writes), the entry finds it.
   */
  intend (job: Job): Promise<void>
  /** Queues a stored job that was not queued: a follower released from its leader. */
  requeue (job: Job): Promise<void>
}

/** How long after a follower's creation its missing leader may still be on its way to the store. */
const LEADER_GRACE_MS = 30_000

/** The change that gives a follower its leader's outcome. */
const outcomeOf = (leader: Job): JobChange => leader.status === 'complete'
  ? completeChange(leader.result)
  : failChange(leader.error ?? 'the job it joined failed')

/**
 * Ends a follower with its leader's outcome; false when it had ended already (only one end applies), or
 * when the job named is no follower of this leader: a job that found the leader already ended when it came
 * makes its own call, though its id is on the leader's list.
 */
async function endFollower (jobs: Jobs, id: string, leader: Job): Promise<boolean> {
  const follower = await jobs.store.get(id)
  if (follower?.leader !== leader.id) return false
  if (follower.team !== leader.team && failedForItsTeam(leader)) {
    // Another team's budget or quota is no outcome of the record, and no business of this team's: the
    // follower leaves its leader and makes its own call, on its own team's account. Processing, as a job
    // between attempts is: the move is the compare-and-set that releases it once.
    const released = await jobs.store.transition(id, 'pending', { status: 'processing', leader: null, source: 'vendor' })
    if (released === null) return false
    await Promise.all([jobs.index(released), jobs.requeue(released)])
    return false
  }
  const ended = await jobs.store.transition(id, 'pending', outcomeOf(leader))
  if (ended === null) return false
  await jobs.index(ended)
  return true
}

/**
 * Submits `job` of a vendor that keeps results under `key`: stored complete at once from a fresh result,
 * joined to the leader of its key, or queued as the leader. `no-cache` queues it on its own, and its end
 * refreshes the result. Returns where its outcome comes from.
 */
export async function submitCached (jobs: Jobs, cache: ResultCache, job: Job, key: string, opts: Freshness & { claimMs: number, savesMicros?: number }): Promise<JobSource> {
  if (opts.noCache === true) {
    await jobs.submit({ ...job, source: 'vendor', cacheKey: key })
    return 'vendor'
  }
  const admitted = await cache.admit(key, job.id, { claimMs: opts.claimMs, ...(opts.maxAgeMs === undefined ? {} : { maxAgeMs: opts.maxAgeMs }) })
  if (admitted.kind === 'lead') {
    try {
      await jobs.submit({ ...job, source: 'vendor', cacheKey: key })
    } catch (err) {
      // Not stored: the key is freed, and whoever joined meanwhile fails with the reason.
      const gone: Job = { ...job, status: 'failed', error: `the job it joined could not be stored: ${(err as Error).message}` }
      const followers = await cache.finish(key, job.id).catch(() => [])
      await Promise.all(followers.map((id) => endFollower(jobs, id, gone).catch(() => false)))
      throw err
    }
    return 'vendor'
  }
  const hit = async (result: unknown): Promise<JobSource> => {
    const done: Job = { ...job, status: 'complete', result, source: 'cache', endedAt: job.createdAt }
    await jobs.intend(done)
    await jobs.store.create(done)
    await Promise.all([jobs.index(done), jobs.ended(done)])
    await cache.saved(job.team, job.vendor, 'cache', opts.savesMicros ?? 0)
    return 'cache'
  }
  if (admitted.kind === 'hit') return await hit(admitted.result)
  // A leader that ended a moment ago may not have released its key yet: its result is as good as a kept
  // one, and its failure is not kept, so this job makes its own call.
  const leader = await jobs.store.get(admitted.leader)
  const age = leader?.endedAt === undefined ? Number.POSITIVE_INFINITY : Date.now() - leader.endedAt
  if (leader?.status === 'complete' && age <= (opts.maxAgeMs ?? LEADER_GRACE_MS)) return await hit(leader.result)
  if (leader !== null && isTerminal(leader.status)) {
    await jobs.submit({ ...job, source: 'vendor', cacheKey: key })
    return 'vendor'
  }
  const follower: Job = { ...job, source: 'coalesced', leader: admitted.leader }
  // Its end is its leader's doing, written wherever that one ends: the entry covers its webhook till then.
  await jobs.intend(follower)
  await jobs.store.create(follower)
  await jobs.index(follower)
  await cache.saved(job.team, job.vendor, 'coalesced', opts.savesMicros ?? 0)
  // The leader may have ended before this job existed for it to end: then this job takes its outcome itself.
  await settleFollower(jobs, follower)
  return 'coalesced'
}

/**
 * A follower whose leader ended (or is gone) without ending it takes the leader's outcome: after a
 * leader ended between the follower's admission and its creation, or a process died between a leader's
 * end and its followers'. Reading a follower calls this too. The job as it stands after.
 */
export async function settleFollower (jobs: Jobs, follower: Job, now = Date.now()): Promise<Job> {
  if (follower.leader === undefined || follower.status !== 'pending') return follower
  const leader = await jobs.store.get(follower.leader)
  if (leader !== null && !isTerminal(leader.status)) return follower
  // A leader claims its key a moment before it is stored: only one missing well after is gone.
  if (leader === null && now - follower.createdAt < LEADER_GRACE_MS) return follower
  // The leader's id is left out: it may be another team's job.
  const gone: Job = { ...follower, id: follower.leader, status: 'failed', error: 'the job it joined is gone' }
  await endFollower(jobs, follower.id, leader ?? gone)
  return await jobs.store.get(follower.id) ?? follower
}

/**
 * A job's end: a leader's result kept (a completed one's only) and its followers given its outcome. `ttlMs`
 * is how long its vendor keeps the result. A job that is no leader has nothing to do.
 */
export async function finishLeader (jobs: Jobs, cache: ResultCache, job: Job, ttlMs: number | undefined): Promise<void> {
  if (job.cacheKey === undefined || !isTerminal(job.status)) return
  const keep = job.status === 'complete' && ttlMs !== undefined ? { result: job.result, ttlMs } : undefined
  const followers = await cache.finish(job.cacheKey, job.id, keep)
  await Promise.all(followers.map((id) => endFollower(jobs, id, job)))
}
