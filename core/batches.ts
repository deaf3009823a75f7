import { createHash } from 'node:crypto'
import { isTerminal, JOB_STATUSES, type Job, type JobStatus } from './job.js'
import { isAfter, type JobPage, type JobQuery, matches, newerFirst } from './listing.js'
import type { JobStore } from './store.js'

/** One item of a batch's answer: the job it became, or why it was refused (as POST /jobs would have answered). */
export type BatchItem = { requestId: string } | { error: { statusCode: number, code: string, message: string } }

/** A batch of jobs submitted at once (POST /jobs/batch): its jobs share its createdAt. */
export interface Batch {
  id: string
  team: string
  createdAt: number
  /** The answer, item by item in the order sent: what a repeat of the request with the same Idempotency-Key answers too. */
  items: BatchItem[]
}

/** Where batches are kept: beside their jobs, for as long. */
export interface BatchStore {
  /** Keeps a batch; a batch with the same id (the same request taken over) is replaced. */
  create (batch: Batch): Promise<void>
  get (id: string): Promise<Batch | null>
}

/** The ids of a batch's jobs, in the order of their items. */
export const jobIdsOf = (batch: Batch): string[] => batch.items.flatMap((item) => 'requestId' in item ? [item.requestId] : [])

/**
 * The id of a batch's `index`th item: fixed by the batch's id, so that a request that takes over a dead
 * one's Idempotency-Key stores the same jobs, never a second set. A UUID in form (version 8, RFC 9562's
 * custom version), from SHA-256.
 */
export function batchJobId (batchId: string, index: number): string {
  const hex = createHash('sha256').update(`${batchId}:${index}`).digest('hex')
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

export interface BatchState {
  total: number
  counts: Record<JobStatus, number>
  /** Every job complete or failed. */
  done: boolean
}

/** A batch's counts from its jobs' statuses (undefined: a job no longer kept, counted nowhere). */
export function batchState (statuses: ReadonlyArray<JobStatus | undefined>): BatchState {
  const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>
  for (const status of statuses) if (status !== undefined) counts[status]++
  return { total: statuses.length, counts, done: statuses.every((s) => s === undefined || isTerminal(s)) }
}

/** Jobs read per round of a batch's listing. */
const ROUND = 100

/** A page of a batch's jobs, in the listing's order (newest first, then by id), filtered by the query. */
export async function listBatch (store: Pick<JobStore, 'get'>, batch: Batch, q: JobQuery): Promise<JobPage> {
  const positions = jobIdsOf(batch).map((id) => ({ id, createdAt: batch.createdAt })).sort(newerFirst).filter((p) => isAfter(p, q.after))
  const found: Job[] = []
  for (let from = 0; from < positions.length; from += ROUND) {
    const round = positions.slice(from, from + ROUND)
    const jobs = await Promise.all(round.map((p) => store.get(p.id)))
    for (const [i, job] of jobs.entries()) {
      if (job === null || !matches(job, q)) continue
      found.push(job)
      const at = from + i
      if (found.length === q.limit) return { jobs: found, ...(at < positions.length - 1 ? { next: positions[at] as { id: string, createdAt: number } } : {}) }
    }
  }
  return { jobs: found }
}

/**
 * Embedded mode's batches: the newest kept while their items number at most `max`, as the jobs are kept. Counted
 * by item, not by batch: a batch of refused items stores no job, and a thousand of them per batch would
 * otherwise let batches fill the memory that EMBEDDED_MAX_JOBS bounds.
 */
export function createMemoryBatches (max: number): BatchStore {
  const batches = new Map<string, Batch>()
  let items = 0
  const drop = (id: string): void => {
    items -= batches.get(id)?.items.length ?? 0
    batches.delete(id)
  }
  return {
    async create (batch) {
      drop(batch.id)
      batches.set(batch.id, structuredClone(batch))
      items += batch.items.length
      // The newest is always kept, whatever its size: its answer names it.
      for (const id of batches.keys()) {
        if (items <= max || id === batch.id) break
        drop(id)
      }
    },
    async get (id) {
      const batch = batches.get(id)
      return batch === undefined ? null : structuredClone(batch)
    }
  }
}
