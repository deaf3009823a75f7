import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { DispatchObserver } from '../core/dispatch/observer.js'
import { HISTORY_WINDOW_MS, historySampler } from '../core/history.js'
import { isoTime } from '../core/time.js'
import { VendorNotFoundError } from './errors.js'

/** GET /vendors/{name}/history as the route answers it. */
interface HistoryView {
  vendor: string
  interval_ms: number
  window_ms: number
  limit: { per_second: number, burst: number, concurrency: number }
  points: Array<{ at: string, calls: number, calls_per_second: number, queue?: { ready: number, delayed: number, in_flight: number } }>
}

interface VendorHistory {
  /** `observer`, and every call it sees that reached the vendor counted for the history too. */
  observing (observer: DispatchObserver): DispatchObserver
  read (vendor: string): Promise<HistoryView>
}

declare module 'fastify' {
  interface FastifyInstance {
    history: VendorHistory
  }
}

/**
 * Each vendor's last 15 minutes for the dashboard (core/history.ts): every process, API or worker,
 * counts the calls it makes and adds them to the backend a few times per interval; one process of the
 * fleet per interval samples the queues.
 */
async function historyPlugin (app: FastifyInstance): Promise<void> {
  const { backend, config } = app
  const intervalMs = config.historyIntervalMs
  const sampler = historySampler({
    store: backend.history,
    vendors: [...config.vendors.keys()],
    lease: (name, ms) => backend.lease(name, ms),
    async snapshot (name) {
      const vendor = config.vendors.get(name)
      if (vendor === undefined) return { ready: 0, delayed: 0, inFlight: 0 }
      const s = await backend.queue.snapshot(vendor)
      return { ready: s.ready, delayed: s.delayed, inFlight: s.slotsInUse }
    },
    intervalMs,
    // Redis being down is told by /health and every request; a gap in a chart needs no more words.
    onError: (err) => app.log.debug({ err }, 'the vendors\' history missed an interval')
  })
  let timer: NodeJS.Timeout | undefined
  let ticking = false
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      if (ticking) return
      ticking = true
      void sampler.tick().finally(() => { ticking = false })
    }, sampler.tickMs)
    timer.unref()
  })
  app.addHook('preClose', async () => clearInterval(timer))

  app.decorate('history', {
    observing: (observer) => ({
      ...observer,
      called (vendor, outcome, statusClass, seconds, team) {
        // A late call never left: it is no call the vendor saw.
        if (outcome !== 'late') sampler.called(vendor)
        observer.called(vendor, outcome, statusClass, seconds, team)
      }
    }),
    async read (vendor) {
      const vendorConfig = config.vendors.get(vendor)
      if (vendorConfig === undefined) throw new VendorNotFoundError(vendor, [...config.vendors.keys()].join(', '))
      const points = await sampler.read(vendor)
      return {
        vendor,
        interval_ms: intervalMs,
        window_ms: HISTORY_WINDOW_MS,
        limit: { per_second: vendorConfig.rateLimit.perSecond, burst: vendorConfig.rateLimit.burst, concurrency: vendorConfig.concurrency },
        points: points.map((p) => ({
          at: isoTime(p.at),
          calls: p.calls,
          calls_per_second: p.calls / (intervalMs / 1000),
          ...(p.queue === undefined ? {} : { queue: { ready: p.queue.ready, delayed: p.queue.delayed, in_flight: p.queue.inFlight } })
        }))
      }
    }
  } satisfies VendorHistory)
}

export default fp(historyPlugin, { name: 'history', fastify: '5.x', dependencies: ['config', 'backend'] })
