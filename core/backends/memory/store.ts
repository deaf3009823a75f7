import { isDeepStrictEqual } from 'node:util'
import { endingChange, endsJob, type JobEnded } from '../../ending.js'
import { applyChange, claimChange, isTerminal, type Job, type JobChange, type JobStatus } from '../../job.js'
import { type JobIndex, isAfter, matches, newerFirst } from '../../listing.js'
import { type JobStore, StoreFullError, type WaitingJobs } from '../../store.js'

export interface MemoryStoreOptions {
  /** The most jobs kept; past it, finished jobs are evicted, the one that ended longest ago first. */
  maxJobs?: number
  /** Told of each evicted job, so that whatever lists it can forget it too. */
  onEvict?: (job: Job) => void
  /** Told of each job once it ended (core/ending.ts). */
  onEnded?: JobEnded
  now?: () => number
}

/** Embedded mode's store: a Map, so jobs live only as long as the process, and only so many of them. It lists them too, by a scan. */
export function createMemoryStore (opts: MemoryStoreOptions = {}): JobStore & WaitingJobs & JobIndex {
  const { maxJobs = Number.POSITIVE_INFINITY, onEvict, onEnded, now = Date.now } = opts
  const jobs = new Map<string, Job>()
  /** Ids of complete and failed jobs in the order they ended: the eviction order. */
  const ended = new Set<string>()
  const keep = (job: Job): void => {
    jobs.set(job.id, job)
    ended.delete(job.id)
    if (isTerminal(job.status)) ended.add(job.id)
  }
  const makeRoom = (): void => {
    if (jobs.size < maxJobs) return
    const oldest = ended.values().next()
    if (oldest.done) throw new StoreFullError(`the job store keeps at most ${maxJobs} jobs and none of them has ended yet`)
    const evicted = jobs.get(oldest.value)
    jobs.delete(oldest.value)
    ended.delete(oldest.value)
    if (evicted !== undefined) onEvict?.(evicted)
  }
  const change = (job: Job, c: JobChange): Job => {
    const at = now()
    const next = applyChange(job, structuredClone(endingChange(c, at)), at)
    keep(next)
    if (endsJob(c)) void onEnded?.(structuredClone(next))
    return structuredClone(next)
  }
  return {
    kind: 'memory',
    async create (job) {
      if (jobs.has(job.id)) throw new Error(`job ${job.id} already exists`)
      makeRoom()
      keep(structuredClone(job))
    },
    async get (id) {
      const job = jobs.get(id)
      return job === undefined ? null : structuredClone(job)
    },
    async claim (id, claimant) {
      const job = jobs.get(id)
      if (job === undefined) return { ok: false, reason: 'missing' }
      const decision = claimChange(job, claimant)
      return decision.ok ? { ok: true, job: change(job, decision.change) } : decision
    },
    async settle (id, holder, c) {
      const job = jobs.get(id)
      if (job?.holder !== holder) return false
      change(job, { ...c, holder: null })
      return true
    },
    async transition (id: string, from: JobStatus, c: JobChange) {
      const job = jobs.get(id)
      if (job === undefined || job.status !== from) return null
      return change(job, c)
    },
    async recordNotify (id, expected, next) {
      const job = jobs.get(id)
      if (job === undefined || !isDeepStrictEqual(job.notify, expected)) return false
      job.notify = structuredClone(next)
      return true
    },
    async watch (ids) {
      // Ends are told to the onEnded hook whoever waits: nothing to ask for.
      return ids.map((id) => jobs.get(id)?.status)
    },
    async list (q) {
      const found = [...jobs.values()].filter((job) => matches(job, q) && isAfter(job, q.after)).sort(newerFirst)
      const page = found.slice(0, q.limit)
      const last = page.at(-1)
      return {
        jobs: page.map((job) => structuredClone(job)),
        ...(found.length > q.limit && last !== undefined ? { next: { createdAt: last.createdAt, id: last.id } } : {})
      }
    },
    async waiting (vendor, before, limit, after) {
      const later = (job: Job): boolean => after === undefined || job.updatedAt > after.updatedAt || (job.updatedAt === after.updatedAt && job.id > after.id)
      return [...jobs.values()]
        .filter((job) => job.vendor === vendor && !isTerminal(job.status) && job.updatedAt < before && later(job))
        .sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : 1))
        .slice(0, limit)
        .map((job) => structuredClone(job))
    },
    async ping () {}
  }
}
