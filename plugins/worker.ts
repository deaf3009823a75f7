import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { type Consumer, startConsumer } from '../workers/consumer.js'
import { startSweeper, type Sweeper } from '../workers/sweeper.js'

export interface Worker {
  readonly running: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    worker: Worker
  }
}

/** The job consumer and the deadline sweeper, started once the app is ready and stopped before its clients close. */
async function workerPlugin (app: FastifyInstance, opts: { enabled: boolean }): Promise<void> {
  let consumer: Consumer | undefined
  let sweeper: Sweeper | undefined
  app.decorate('worker', { get running () { return consumer !== undefined } })
  if (!opts.enabled) return

  app.addHook('onReady', async () => {
    const { store, queue, vendors, rateLimits, deadlines, breaker, config } = app
    const log = app.log.child({ component: 'worker' })
    const lanes = new Map([...config.vendors.values()].map((v) => [v.name, v.concurrency]))
    const maxDeliveries = config.redis?.maxDeliveries ?? Number.POSITIVE_INFINITY
    consumer = startConsumer({ store, queue, vendors, rateLimits, deadlines, breaker, log }, { lanes, maxDeliveries })
    sweeper = startSweeper(store, deadlines, config.sweepIntervalMs, log)
  })
  // preClose runs before any plugin's onClose, so the worker stops while the store and pools still work.
  app.addHook('preClose', async () => {
    await Promise.all([consumer?.stop(), sweeper?.stop()])
    consumer = undefined
  })
}

export default fp(workerPlugin, {
  name: 'worker',
  fastify: '5.x',
  dependencies: ['config', 'store', 'queue', 'vendors', 'rate-limits', 'deadlines', 'breaker']
})
