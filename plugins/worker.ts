import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { runDelivery } from '../core/dispatch/attempt.js'
import { type Dispatcher, startDispatcher } from '../core/dispatch/dispatcher.js'
import { observedClient } from '../core/dispatch/observer.js'
import { startSweeper, type Sweeper } from '../core/dispatch/sweeper.js'
import { type IndexTrim, startIndexTrim } from '../core/dispatch/trim.js'
import type { VendorRuntime } from './vendors.js'

export interface Worker {
  readonly running: boolean
  /** Calls this process has on the wire now. */
  readonly inFlight: number
}

/** The listing indexes grow by thousands of jobs a minute at most between trims. */
const TRIM_INTERVAL_MS = 60_000

declare module 'fastify' {
  interface FastifyInstance {
    worker: Worker
  }
}

/**
 * The dispatcher and the deadline sweeper, started once the app is ready. On close they stop before any
 * client closes: no more work is taken, calls on the wire get SHUTDOWN_GRACE_MS to finish, and what is
 * still running then is aborted and handed back for another worker to take at once.
 */
async function workerPlugin (app: FastifyInstance, opts: { enabled: boolean }): Promise<void> {
  let dispatcher: Dispatcher | undefined
  let sweeper: Sweeper | undefined
  let trim: IndexTrim | undefined
  app.decorate('worker', {
    get running () { return dispatcher !== undefined },
    get inFlight () { return dispatcher?.inFlight ?? 0 }
  })
  if (!opts.enabled) return

  app.addHook('onReady', async () => {
    const { backend, vendors, config } = app
    const { observer } = app.metrics
    const log = app.log.child({ component: 'worker' })
    const limits = [...config.vendors.values()]
    const names = limits.map((v) => v.name)
    // Every call this worker makes is observed: outcome, status class and duration.
    const runtimes = new Map<string, VendorRuntime>()
    for (const name of names) {
      const runtime = vendors.runtime(name)
      if (runtime !== undefined) runtimes.set(name, { ...runtime, client: observedClient(runtime.client, name, runtime.config.mode !== 'sync', observer) })
    }
    dispatcher = startDispatcher({
      queue: backend.queue,
      vendors: limits,
      leaseMs: config.dispatch.leaseMs,
      maxInFlight: config.dispatch.maxInFlight,
      log,
      observer,
      run: (delivery, signal) => runDelivery({ store: backend.store, vendor: (name) => runtimes.get(name), log, maxDeliveries: config.dispatch.maxDeliveries }, delivery, signal)
    })
    sweeper = startSweeper(backend.store, backend.queue, names, config.sweepIntervalMs, log, observer)
    trim = startIndexTrim(backend.queue, names, { ttlMs: config.jobTtlMs, keep: config.jobIndexMax, intervalMs: TRIM_INTERVAL_MS }, log)
  })
  // preClose runs before any plugin's onClose, so the worker stops while the store and pools still work.
  app.addHook('preClose', async () => {
    trim?.stop()
    await Promise.all([dispatcher?.stop(app.config.dispatch.shutdownGraceMs), sweeper?.stop()])
    dispatcher = undefined
  })
}

export default fp(workerPlugin, {
  name: 'worker',
  fastify: '5.x',
  dependencies: ['config', 'backend', 'vendors', 'metrics']
})
