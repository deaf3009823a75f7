import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { runDelivery } from '../core/dispatch/attempt.js'
import { failCrashed } from '../core/dispatch/crash.js'
import { type Dispatcher, startDispatcher } from '../core/dispatch/dispatcher.js'
import { startSweeper, type Sweeper } from '../core/dispatch/sweeper.js'

export interface Worker {
  readonly running: boolean
  /** Calls this process has on the wire now. */
  readonly inFlight: number
}

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
  app.decorate('worker', {
    get running () { return dispatcher !== undefined },
    get inFlight () { return dispatcher?.inFlight ?? 0 }
  })
  if (!opts.enabled) return

  app.addHook('onReady', async () => {
    const { backend, vendors, config } = app
    const log = app.log.child({ component: 'worker' })
    const limits = [...config.vendors.values()]
    const deps = { store: backend.store, vendor: vendors.runtime, log, maxDeliveries: config.dispatch.maxDeliveries }
    dispatcher = startDispatcher({
      queue: backend.queue,
      vendors: limits,
      leaseMs: config.dispatch.leaseMs,
      maxInFlight: config.dispatch.maxInFlight,
      log,
      // Embedded mode is the whole fleet in one process: a delivery that threw is ended here, not left to its lease.
      run: config.mode === 'embedded'
        ? (delivery, signal) => runDelivery(deps, delivery, signal).catch((err: unknown) => failCrashed(backend.store, log, delivery, err))
        : (delivery, signal) => runDelivery(deps, delivery, signal)
    })
    sweeper = startSweeper(backend.store, backend.queue, limits.map((v) => v.name), config.sweepIntervalMs, log)
  })
  // preClose runs before any plugin's onClose, so the worker stops while the store and pools still work.
  app.addHook('preClose', async () => {
    await Promise.all([dispatcher?.stop(app.config.dispatch.shutdownGraceMs), sweeper?.stop()])
    dispatcher = undefined
  })
}

export default fp(workerPlugin, {
  name: 'worker',
  fastify: '5.x',
  dependencies: ['config', 'backend', 'vendors']
})
