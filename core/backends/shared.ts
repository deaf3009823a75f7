import { type Job, type JobChange, jobFields } from '../job.js'
import { intendNotify, type Outbox } from '../notify/outbox.js'
import { type DispatchQueue, type QueuedJob, queued } from '../dispatch/queue.js'
import type { JobStore } from '../store.js'

// The steps the memory and Redis backends take alike, on their own store and queue (core/backend.ts is their interface only).

/** What a replay clears: everything the previous run left on the job (and its completion webhook starts over, see replayChange). */
const REPLAY_CHANGE: JobChange = {
  status: 'pending',
  attempts: 0,
  ...Object.fromEntries(jobFields({ set: 'change', replay: true }).map((field) => [field, null]))
}

/** A replay's change of this job: its next end sends its completion webhook anew. */
const replayChange = (job: Job): JobChange =>
  job.notify === undefined ? REPLAY_CHANGE : { ...REPLAY_CHANGE, notify: { url: job.notify.url, status: 'pending', attempts: 0 } }

/**
 * A replay changes the job and queues it in two steps that no script can join (in a Redis Cluster they
 * live on two nodes). So a delayed entry is queued first, as an intent: should the process die between
 * the two steps, the intent delivers the job once due; otherwise queueing it for now takes the intent back.
 */
const REPLAY_INTENT_MS = 5_000

/**
 * Stores a batch's jobs, unless one exists already (a request that took over a dead one's Idempotency-Key),
 * and queues, one call per vendor, those stored now and those that exist but may never have been queued
 * (still pending). What was stored is queued even when another job could not be: then the first error is thrown.
 */
export async function storeBatchJobs (store: JobStore, queue: DispatchQueue, jobs: readonly Job[]): Promise<void> {
  const stored = await Promise.allSettled(jobs.map(async (job) => {
    try {
      await store.create(job)
      return job
    } catch (err) {
      const existing = await store.get(job.id)
      if (existing === null) throw err
      return existing.status === 'pending' ? existing : undefined
    }
  }))
  const byVendor = new Map<string, QueuedJob[]>()
  for (const result of stored) {
    if (result.status === 'fulfilled' && result.value !== undefined) byVendor.set(result.value.vendor, [...byVendor.get(result.value.vendor) ?? [], queued(result.value)])
  }
  await Promise.all([...byVendor].map(([vendor, entries]) => queue.enqueue(vendor, entries)))
  const failed = stored.find((result) => result.status === 'rejected')
  if (failed !== undefined) throw failed.reason
}

/**
 * `intents`: where a job's end and its outbox entry are written in two steps (a Redis Cluster, MongoDB),
 * the outbox that gets an entry for a job's next end before the job changes (see recheckAt).
 */
export async function replayJob (store: JobStore, queue: DispatchQueue, id: string, intents?: Outbox): Promise<Job | null> {
  const job = await store.get(id)
  if (job?.status !== 'failed') return null
  const entry = queued(job)
  await queue.enqueue(job.vendor, [{ ...entry, at: Date.now() + REPLAY_INTENT_MS }])
  await intendNotify(intents, [job])
  const replayed = await store.transition(id, 'failed', replayChange(job))
  if (replayed !== null) await queue.enqueue(job.vendor, [entry])
  return replayed
}
