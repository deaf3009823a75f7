import { failChange } from '../ending.js'
import { jobLog, type Log } from '../log.js'
import type { JobStore } from '../store.js'
import { isoTime } from '../time.js'
import { tracedStep } from '../tracing.js'
import { type DispatchObserver, NO_OBSERVER, observeEnd } from './observer.js'
import type { DispatchQueue } from './queue.js'

export interface Sweeper {
  stop (): Promise<void>
}

const BATCH = 100
/** A consumer of a vendor's group idle this long with nothing pending belongs to a process gone without a clean stop. */
const CONSUMER_IDLE_MS = 60 * 60_000
/** How often the groups are looked through for such consumers. */
const CONSUMER_SWEEP_MS = 5 * 60_000

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
          const waited = job.deadline === undefined ? '' : ` (deadline ${isoTime(job.deadline)})`
          const error = job.waiting === 'poll'
            ? `poll timed out: ${job.vendor} did not finish the job in time${waited}`
            : `callback timed out: ${job.vendor} did not call back in time${waited}`
          const change = failChange(error)
          if (await tracedStep(job, 'deadline', () => store.transition(id, 'processing', change)) !== null) {
            failed.push({ id, vendor })
            ended.push({ id, status: 'failed', createdAt: job.createdAt })
            observeEnd(observer, vendor, 'failed', job.createdAt, job.team)
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
  const consumers = setInterval(() => {
    running = running
      .then(() => Promise.all(vendors.map((vendor) => queue.dropIdleConsumers(vendor, CONSUMER_IDLE_MS))))
      .then((dropped) => {
        const count = dropped.reduce((sum, n) => sum + n, 0)
        if (count > 0) log.info({ consumers: count }, 'idle consumers without pending entries left the vendors\' groups')
      })
      .catch((err: unknown) => log.warn({ err }, 'cannot look through the consumer groups'))
  }, CONSUMER_SWEEP_MS)
  consumers.unref()
  return {
    async stop () {
      clearInterval(timer)
      clearInterval(consumers)
      await running
    }
  }
}
