import { isTerminal, type Job } from '../job.js'
import type { Log } from '../log.js'
import type { JobStore, WaitingCursor, WaitingJobs } from '../store.js'
import type { Coverage, DispatchQueue, QueuedJob } from './queue.js'

/** What a waiting job needs when nothing in the queue may cover it any more. */
export type Repair =
  | { action: 'none' }
  | { action: 'enqueue', at?: number, release?: string }
  | { action: 'watch', at: number }

const NONE: Repair = { action: 'none' }

/**
 * The reconciler's rule. A job waiting for a callback or a poll needs its deadline watched, so that it
 * ends; any other unfinished job needs an entry or a delayed retry, else it is queued again: due at its
 * retry time if that is ahead, and released first from a holder whose entry is gone (that delivery died
 * with it: the job has not changed for longer than any call may take).
 */
export function repairOf (job: Job, covered: Coverage, now: number): Repair {
  if (isTerminal(job.status)) return NONE
  if (job.waiting !== undefined) return covered.deadline ? NONE : { action: 'watch', at: job.deadline ?? now }
  if (covered.entry || covered.retry) return NONE
  return {
    action: 'enqueue',
    ...(job.nextAttemptAt !== undefined && job.nextAttemptAt > now ? { at: job.nextAttemptAt } : {}),
    ...(job.holder === undefined ? {} : { release: job.holder })
  }
}

export interface ReconcilerDeps {
  store: JobStore
  /** The source of truth's listing (full mode: MongoDB). */
  waiting: WaitingJobs
  queue: DispatchQueue
  vendors: string[]
  /** Jobs changed more recently are left alone: they may be between their two writes, or on the wire. Longer than any vendor call. */
  graceMs: number
  /** The most jobs looked at per vendor and pass. */
  batch: number
}

interface PassOutcome {
  listed: number
  requeued: number
  watched: number
}

export interface Reconciler {
  /** Looks at the next batch of each vendor's waiting jobs and repairs those nothing covers. */
  pass (now?: number): Promise<PassOutcome>
}

/**
 * Full mode's reconciler: MongoDB holds the jobs and Redis their queue, retries and deadlines, in two
 * writes that no transaction joins. A Redis that lost its data, or a crash between the two writes, leaves
 * jobs that nothing in the queue covers; each pass finds some and queues them again, so that such a job
 * is late, never lost. Passes page through each vendor's waiting jobs, a batch at a time, and start over
 * once they reach the end.
 */
export function createReconciler (deps: ReconcilerDeps): Reconciler {
  const { store, queue } = deps
  const cursors = new Map<string, WaitingCursor>()

  const reconcileVendor = async (vendor: string, now: number, outcome: PassOutcome): Promise<void> => {
    const listed = await deps.waiting.waiting(vendor, now - deps.graceMs, deps.batch, cursors.get(vendor))
    const last = listed[listed.length - 1]
    if (listed.length < deps.batch || last === undefined) cursors.delete(vendor)
    else cursors.set(vendor, { updatedAt: last.updatedAt, id: last.id })
    outcome.listed += listed.length
    if (listed.length === 0) return
    const coverage = await queue.coverage(vendor, listed)
    const queued: QueuedJob[] = []
    const watched: Array<{ id: string, at: number }> = []
    const relisted: Array<{ id: string, status: Job['status'], createdAt: number }> = []
    for (const [i, job] of listed.entries()) {
      const repair = repairOf(job, coverage[i] as Coverage, now)
      if (repair.action === 'none') continue
      // The queue was read while it moved on: a job that changed since it was listed was taken care of.
      const fresh = await store.get(job.id)
      if (fresh === null || fresh.updatedAt !== job.updatedAt) continue
      // A coalesced job has no entry of its own: it ends with its leader while that one is on its way.
      if (fresh.leader !== undefined && !isTerminal((await store.get(fresh.leader))?.status ?? 'failed')) continue
      if (repair.action === 'watch') watched.push({ id: job.id, at: repair.at })
      else {
        const lost = 'its queue entry was lost; queued again'
        if (repair.release !== undefined && !await store.settle(job.id, repair.release, { lastError: lost })) continue
        queued.push({ id: job.id, createdAt: job.createdAt, team: job.team, ...(repair.at === undefined ? {} : { at: repair.at }) })
      }
      relisted.push({ id: job.id, status: job.status, createdAt: job.createdAt })
    }
    if (watched.length > 0) await queue.watchDeadlines(vendor, watched)
    if (queued.length > 0) await queue.enqueue(vendor, queued)
    // Queueing lists a job as pending; a lost Redis lost the listing too: each goes back under its real status.
    if (relisted.length > 0) await queue.reindex(vendor, relisted)
    outcome.requeued += queued.length
    outcome.watched += watched.length
  }

  return {
    async pass (now = Date.now()) {
      const outcome = { listed: 0, requeued: 0, watched: 0 }
      for (const vendor of deps.vendors) await reconcileVendor(vendor, now, outcome)
      return outcome
    }
  }
}

export interface RunningReconciler {
  stop (): Promise<void>
}

/**
 * Runs a pass every `intervalMs` in whichever process of the fleet takes the lease for that interval. The
 * lease is not given back early, so the fleet makes one pass per interval. Should a pass outlast it and
 * another overlap, a job may be queued twice; its second delivery finds it held or ended (claims are
 * fenced), or at worst makes its next attempt before the backoff is over.
 */
export function startReconciler (deps: ReconcilerDeps & { intervalMs: number, lease: (ms: number) => Promise<boolean>, log: Log }): RunningReconciler {
  const reconciler = createReconciler(deps)
  let running: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    running = running
      .then(async () => {
        if (!await deps.lease(deps.intervalMs)) return
        const outcome = await reconciler.pass()
        if (outcome.requeued + outcome.watched > 0) deps.log.warn(outcome, 'reconciler: queued again jobs that no queue entry, retry or deadline covered')
      })
      .catch((err: unknown) => deps.log.error({ err }, 'reconcile pass failed'))
  }, deps.intervalMs)
  return {
    async stop () {
      clearInterval(timer)
      await running
    }
  }
}
