import { jobLog, type Log } from '../log.js'
import type { JobStore } from '../store.js'
import { tracedStep } from '../tracing.js'
import { type DispatchObserver, NO_OBSERVER, observeEnd } from './observer.js'
import type { DispatchQueue } from './queue.js'

export interface Sweeper {
  stop (): Promise<void>
}

const BATCH = 100

/** Fails accepted jobs whose callback did not come by their deadline. Each overdue id is leased to one sweeper. */
export async function sweepOnce (store: JobStore, queue: DispatchQueue, vendors: string[], leaseMs: number, now = Date.now(), observer: DispatchObserver = NO_OBSERVER): Promise<Array<{ id: string, vendor: string }>> {
  const failed: Array<{ id: string, vendor: string }> = []
  for (const vendor of vendors) {
    for (;;) {
      const due = await queue.dueDeadlines(vendor, now, BATCH, leaseMs)
      const ended: Array<{ id: string, status: 'failed', createdAt: number }> = []
      const done: string[] = []
      for (const id of due) {
        const job = await store.get(id)
        // A deadline that moved (the job was called again) is not yet due: the new one stands.
        if (job?.status === 'processing' && job.waiting !== undefined && (job.deadline ?? 0) <= now) {
          const waited = job.deadline === undefined ? '' : ` (deadline ${new Date(job.deadline).toISOString()})`
          const error = job.waiting === 'poll'
            ? `poll timed out: ${job.vendor} did not finish the job in time${waited}`
            : `callback timed out: ${job.vendor} did not call back in time${waited}`
          const change = { status: 'failed' as const, error, deadline: null, waiting: null, nextAttemptAt: null, holder: null }
          if (await tracedStep(job, 'deadline', () => store.transition(id, 'processing', change)) !== null) {
            failed.push({ id, vendor })
            ended.push({ id, status: 'failed', createdAt: job.createdAt })
            observeEnd(observer, vendor, 'failed', job.createdAt)
          }
        }
        if (job?.status !== 'processing' || job.waiting === undefined || (job.deadline ?? 0) <= now) done.push(id)
      }
      if (ended.length > 0) await queue.reindex(vendor, ended)
      if (done.length > 0) await queue.clearDeadlines(vendor, done)
      if (due.length < BATCH) break
    }
  }
  return failed
}

export function startSweeper (store: JobStore, queue: DispatchQueue, vendors: string[], intervalMs: number, log: Log, observer: DispatchObserver = NO_OBSERVER): Sweeper {
  let running: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    running = running
      // A sweep takes milliseconds; ten intervals is long enough that only a dead sweeper's lease runs out.
      .then(() => sweepOnce(store, queue, vendors, Math.max(1000, 10 * intervalMs), Date.now(), observer))
      .then((failed) => { for (const { id, vendor } of failed) jobLog(log, id, vendor).info({}, 'job failed at its deadline: no callback or no poll result in time') })
      .catch((err: unknown) => log.error({ err }, 'deadline sweep failed'))
  }, intervalMs)
  return {
    async stop () {
      clearInterval(timer)
      await running
    }
  }
}
