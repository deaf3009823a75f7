import { applyChange, claimChange, type Job, type JobChange, type JobStatus } from '../../job.js'
import { type JobIndex, isAfter, matches, newerFirst } from '../../listing.js'
import type { JobStore } from '../../store.js'

/** Embedded mode's store: a Map, so jobs live only as long as the process. It lists them too, by a scan. */
export function createMemoryStore (now: () => number = Date.now): JobStore & JobIndex {
  const jobs = new Map<string, Job>()
  const change = (job: Job, c: JobChange): Job => {
    const next = applyChange(job, structuredClone(c), now())
    jobs.set(job.id, next)
    return structuredClone(next)
  }
  return {
    kind: 'memory',
    async create (job) {
      if (jobs.has(job.id)) throw new Error(`job ${job.id} already exists`)
      jobs.set(job.id, structuredClone(job))
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
    async list (q) {
      const found = [...jobs.values()].filter((job) => matches(job, q) && isAfter(job, q.after)).sort(newerFirst)
      const page = found.slice(0, q.limit)
      const last = page.at(-1)
      return {
        jobs: page.map((job) => structuredClone(job)),
        ...(found.length > q.limit && last !== undefined ? { next: { createdAt: last.createdAt, id: last.id } } : {})
      }
    },
    async ping () {}
  }
}
