import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { type Notifier, startNotifier } from '../core/notify/notifier.js'
import { toView } from './jobs.js'

/**
 * Completion webhooks are sent where jobs are worked: by each worker (and the embedded process), which
 * leases due deliveries from the teams' outboxes, so that one process sends each at a time. Started once
 * the app is ready; on close, a try on the wire is abandoned and left for the next notifier.
 */
async function notifierPlugin (app: FastifyInstance, opts: { enabled: boolean }): Promise<void> {
  if (!opts.enabled) return
  let notifier: Notifier | undefined
  app.addHook('onReady', async () => {
    const { teams } = app.config
    notifier = startNotifier({
      store: app.backend.store,
      outbox: app.backend.outbox,
      teams: () => [...teams.byName.keys()],
      settings: (team) => teams.byName.get(team)?.notify,
      view: toView,
      retryDelaysMs: app.config.notifyRetryDelaysMs,
      leaseMs: app.config.notifyLeaseMs,
      log: app.log.child({ component: 'notifier' })
    })
  })
  // Before the backend closes: the notifier records what it sent while the store still answers.
  app.addHook('preClose', async () => {
    await notifier?.stop()
    notifier = undefined
  })
}

export default fp(notifierPlugin, { name: 'notifier', fastify: '5.x', dependencies: ['config', 'backend'] })
