import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { type RedisPersistence, redisPersistence } from '../core/backends/redis/persistence.js'

interface Health {
  status: 'ok' | 'unavailable'
  mode: string
  checks: Record<string, 'up' | 'down' | 'off'>
  /** Redis and full mode: what a Redis restart would keep. */
  persistence?: RedisPersistence
}

declare module 'fastify' {
  interface FastifyInstance {
    health (): Promise<Health>
  }
}

const CHECK_TIMEOUT_MS = 1000

/** Can this process take jobs? A dependency that does not answer within a second counts as down. */
async function healthPlugin (app: FastifyInstance): Promise<void> {
  const probe = async (ping: () => Promise<void>): Promise<'up' | 'down'> => {
    try {
      await Promise.race([ping(), new Promise((_resolve, reject) => setTimeout(reject, CHECK_TIMEOUT_MS).unref())])
      return 'up'
    } catch {
      return 'down'
    }
  }
  // Read once at start: it changes only when an operator reconfigures Redis, and /health stays one round trip per check.
  const persistence = app.config.redis === undefined ? undefined : await redisPersistence(app.redis)
  if (persistence === 'none') {
    const lost = app.config.mode === 'full' ? 'the queue, retries and callback deadlines (job records stay in MongoDB)' : 'every job, its queue entry and its retries'
    app.log.warn(`Redis keeps nothing on disk (no append-only file, no snapshots): a Redis restart loses ${lost}; run it with --appendonly yes`)
  }
  app.decorate('health', async () => {
    const [store, queue] = await Promise.all([probe(() => app.backend.store.ping()), probe(() => app.backend.queue.ping())])
    const checks: Health['checks'] = { store, queue, worker: app.worker.running ? 'up' : 'off' }
    // Only the API sheds load (plugins/load.ts); a standalone worker has no public routes to shed.
    if (app.hasDecorator('isUnderPressure')) checks.load = app.isUnderPressure() ? 'down' : 'up'
    const status = Object.values(checks).includes('down') ? 'unavailable' : 'ok'
    return { status, mode: app.config.mode, checks, ...(persistence === undefined ? {} : { persistence }) }
  })
}

export default fp(healthPlugin, { name: 'health', fastify: '5.x', dependencies: ['config', 'backend', 'worker'] })
