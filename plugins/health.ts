import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export interface Health {
  status: 'ok' | 'unavailable'
  mode: string
  checks: Record<string, 'up' | 'down' | 'off'>
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
  app.decorate('health', async () => {
    const [store, queue] = await Promise.all([probe(() => app.store.ping()), probe(() => app.queue.ping())])
    const checks: Health['checks'] = { store, queue, worker: app.worker.running ? 'up' : 'off' }
    // Only the API sheds load (plugins/load.ts); a standalone worker has no public routes to shed.
    if (app.hasDecorator('isUnderPressure')) checks.load = app.isUnderPressure() ? 'down' : 'up'
    return { status: Object.values(checks).includes('down') ? 'unavailable' : 'ok', mode: app.config.mode, checks }
  })
}

export default fp(healthPlugin, { name: 'health', fastify: '5.x', dependencies: ['config', 'store', 'queue', 'worker'] })
