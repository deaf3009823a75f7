import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createWaits, TooManyWaitsError, type Waits } from '../core/waits.js'
import { TooManyWaitsHttpError } from './errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    waits: Waits
  }
}

/**
 * This process's long polls (`?wait=`): at most MAX_WAITERS at once (past it, a 503), woken by the backend's ended events
 * (published by whichever process ended the job), and all answered at once when the app closes.
 */
async function waitsPlugin (app: FastifyInstance): Promise<void> {
  const waits = createWaits(app.config.maxWaiters)
  const stop = app.backend.onEnded((id) => waits.ended(id))
  app.decorate('waits', {
    open (ids) {
      try {
        return waits.open(ids)
      } catch (err) {
        throw err instanceof TooManyWaitsError ? new TooManyWaitsHttpError(err.message) : err
      }
    },
    ended: (id) => waits.ended(id),
    get size () { return waits.size },
    close: () => waits.close()
  } satisfies Waits)
  // preClose runs while the store still answers: each wait answers its job as it stands.
  app.addHook('preClose', async () => {
    stop()
    waits.close()
  })
}

export default fp(waitsPlugin, { name: 'waits', fastify: '5.x', dependencies: ['config', 'backend'] })
