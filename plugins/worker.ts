import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { runDelivery } from '../core/dispatch/attempt.js'
import { failCrashed } from '../core/dispatch/crash.js'
import { type Dispatcher, startDispatcher } from '../core/dispatch/dispatcher.js'
import { observedClient } from '../core/dispatch/observer.js'
import { type RunningReconciler, startReconciler } from '../core/dispatch/reconciler.js'
import { startSweeper, type Sweeper } from '../core/dispatch/sweeper.js'
import { type IndexTrim, startIndexTrim } from '../core/dispatch/trim.js'
import { reserveOf } from '../core/dispatch/spend.js'
import { budgetsOn, teamQuotasOn } from '../core/teams/config.js'
import type { VendorRuntime } from './vendors.js'

interface Worker {
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

/** Jobs per vendor a reconcile pass looks at: each batch reads the vendor's whole queue once. */
const RECONCILE_BATCH = 500

/**
 * The dispatcher and the deadline sweeper (and in full mode the reconciler), started once the app is
 * ready. On close they stop before any client closes: no more work is taken, calls on the wire get
 * SHUTDOWN_GRACE_MS to finish, and what is still running then is aborted and handed back for another
 * worker to take at once.
 */
async function workerPlugin (app: FastifyInstance, opts: { enabled: boolean }): Promise<void> {
  let dispatcher: Dispatcher | undefined
  let sweeper: Sweeper | undefined
  let trim: IndexTrim | undefined
  let reconciler: RunningReconciler | undefined
  app.decorate('worker', {
    get running () { return dispatcher !== undefined },
    get inFlight () { return dispatcher?.inFlight ?? 0 }
  })
  if (!opts.enabled) return

  app.addHook('onReady', async () => {
    const { backend, vendors, config } = app
    // The history counts this worker's calls for the dashboard's charts beside the metrics.
    const observer = app.history.observing(app.metrics.observer)
    const log = app.log.child({ component: 'worker' })
    const all = [...config.vendors.keys()]
    const limits = [...config.vendors.values()].map((vendor) => ({
      ...vendor,
      teamQuotas: teamQuotasOn(config.teams, vendor.name),
      reserve: reserveOf(vendor),
      budgets: budgetsOn(config.teams, vendor.name),
      vendors: all
    }))
    const names = limits.map((v) => v.name)
    // Every call this worker makes is observed: outcome, status class and duration.
    const runtimes = new Map<string, VendorRuntime>()
    for (const name of names) {
      const runtime = vendors.runtime(name)
      if (runtime !== undefined) runtimes.set(name, { ...runtime, client: observedClient(runtime.client, name, runtime.config.mode !== 'sync', observer) })
    }
    const deps = {
      store: backend.store,
      vendor: (name: string) => runtimes.get(name),
      log,
      maxDeliveries: config.dispatch.maxDeliveries,
      queueSettles: backend.queue.claims,
      keyRules: { dollarPrefix: config.mode === 'full' }
    }
    dispatcher = startDispatcher({
      queue: backend.queue,
      vendors: limits,
      leaseMs: config.dispatch.leaseMs,
      maxInFlight: config.dispatch.maxInFlight,
      log,
      observer,
      ready: (name) => runtimes.get(name)?.client.ready() ?? 0,
      warm: async (name, n) => runtimes.get(name)?.client.warm(n),
      // Embedded mode is the whole fleet in one process: a delivery that threw is ended here, not left to its lease.
      run: config.mode === 'embedded'
        ? (delivery, stop) => runDelivery(deps, delivery, stop).catch((err: unknown) => failCrashed(backend.store, log, delivery, err))
        : (delivery, stop) => runDelivery(deps, delivery, stop)
    })
    sweeper = startSweeper(backend.store, backend.queue, names, config.sweepIntervalMs, log, observer)
    trim = startIndexTrim(backend.queue, names, { ttlMs: config.jobTtlMs, keep: config.jobIndexMax, intervalMs: TRIM_INTERVAL_MS }, log)
    // Where the jobs live apart from their queue (full mode), what a lost Redis or a crash left uncovered is queued again.
    if (backend.waiting !== undefined) {
      reconciler = startReconciler({
        store: backend.store,
        waiting: backend.waiting,
        queue: backend.queue,
        vendors: names,
        ...config.reconcile,
        batch: RECONCILE_BATCH,
        lease: (ms) => backend.lease('reconciler', ms),
        log
      })
    }
  })
  // preClose runs before any plugin's onClose, so the worker stops while the store and pools still work.
  app.addHook('preClose', async () => {
    trim?.stop()
    await Promise.all([dispatcher?.stop(app.config.dispatch.shutdownGraceMs), sweeper?.stop(), reconciler?.stop()])
    dispatcher = undefined
  })
}

export default fp(workerPlugin, {
  name: 'worker',
  fastify: '5.x',
  dependencies: ['config', 'backend', 'vendors', 'metrics', 'history']
})
