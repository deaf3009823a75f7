import type { Job, JobChange, JobStatus } from './job-state.js'

/** The job store every backend implements; the contract suite in test/plugins/store holds them to it. */
export interface JobStore {
  readonly kind: string
  create (job: Job): Promise<void>
  get (id: string): Promise<Job | null>
  /**
   * Compare-and-set: applies `change` only while the job's status is `from`.
   * Returns the job as changed, or null when the job is missing or in another state.
   */
  transition (id: string, from: JobStatus, change: JobChange): Promise<Job | null>
  ping (): Promise<void>
}
