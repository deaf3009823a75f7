import type { FastifyBaseLogger } from 'fastify'
import type { Deadlines } from '../plugins/deadlines.js'
import type { JobStore } from '../plugins/store/types.js'

export interface Sweeper {
  stop (): Promise<void>
}

const BATCH = 100

/** Fails async jobs whose callback did not come by their deadline. Each overdue id is leased to one sweeper. */
export async function sweepOnce (store: JobStore, deadlines: Deadlines, leaseMs: number, now = Date.now()): Promise<number> {
  let failed = 0
  for (;;) {
    const due = await deadlines.lease(now, BATCH, leaseMs)
    for (const id of due) {
      const job = await store.get(id)
      // A deadline that moved (the job was called again) is not yet due: the new one stands.
      if (job?.status === 'processing' && (job.deadline ?? 0) <= now) {
        const waited = job.deadline === undefined ? '' : ` (deadline ${new Date(job.deadline).toISOString()})`
        const error = `callback timed out: ${job.vendor} did not call back in time${waited}`
        if (await store.transition(id, 'processing', { status: 'failed', error, deadline: null }) !== null) failed++
      }
      if (job?.status !== 'processing' || (job.deadline ?? 0) <= now) await deadlines.clear(id)
    }
    if (due.length < BATCH) return failed
  }
}

export function startSweeper (store: JobStore, deadlines: Deadlines, intervalMs: number, log: FastifyBaseLogger): Sweeper {
  let running: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    running = running
      // A sweep takes milliseconds; ten intervals is long enough that only a dead sweeper's lease runs out.
      .then(() => sweepOnce(store, deadlines, Math.max(1000, 10 * intervalMs)))
      .then((n) => { if (n > 0) log.info({ failed: n }, 'async jobs failed at their callback deadline') })
      .catch((err: unknown) => log.error({ err }, 'deadline sweep failed'))
  }, intervalMs)
  return {
    async stop () {
      clearInterval(timer)
      await running
    }
  }
}
