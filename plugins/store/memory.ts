import { applyChange, type Job, type JobChange, type JobStatus } from './job-state.js'
import type { JobStore } from './types.js'

/** Embedded mode's store: a Map, so jobs live only as long as the process. */
export function createMemoryStore (now: () => number = Date.now): JobStore {
  const jobs = new Map<string, Job>()
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
    async transition (id: string, from: JobStatus, change: JobChange) {
      const job = jobs.get(id)
      if (job === undefined || job.status !== from) return null
      const next = applyChange(job, structuredClone(change), now())
      jobs.set(id, next)
      return structuredClone(next)
    },
    async ping () {}
  }
}
