import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { type DispatchObserver, NO_OBSERVER } from '../core/dispatch/observer.js'
import { JOB_STATUSES } from '../core/job.js'

/** What the rest of the service reports; a no-op with METRICS=off. */
interface Metrics {
  readonly observer: DispatchObserver
  submitted (vendor: string, team: string): void
  /** A vendor call a job did not make: it took a kept result (`cache`) or joined a job on the wire (`coalesced`). */
  saved (vendor: string, team: string, source: 'cache' | 'coalesced'): void
  /** The Prometheus text exposition, the vendors' queue state read now; undefined with METRICS=off. */
  render (): Promise<{ contentType: string, body: string } | undefined>
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

/** Seconds, from a millisecond's vendor call to a job that waited out a long breaker or callback. */
const DURATIONS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900]
/** Seconds from a grant to the call leaving: a few ms when all is well, past the margin when it is not. */
const LATENESS = [0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.05, 0.1, 0.25, 0.5, 1]
const BREAKER_STATES = ['closed', 'half-open', 'open'] as const

/**
 * Prometheus metrics with prom-client, in a registry of this app's own (never the global one), so that
 * any number of apps can live in one process. The dispatch rules report through the core's observer;
 * the vendors' queue state (fleet-wide, read from the queue at each scrape, never on a request's path)
 * is the same in every process, so dashboards take its max, not its sum.
 */
async function metricsPlugin (app: FastifyInstance): Promise<void> {
  if (!app.config.metrics) {
    app.decorate('metrics', { observer: NO_OBSERVER, submitted () {}, saved () {}, render: async () => undefined } satisfies Metrics)
    return
  }
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const vendor = ['vendor']

  const http = new Histogram({ name: 'vfs_http_request_duration_seconds', help: 'HTTP requests served, by route and status', labelNames: ['method', 'route', 'status_code'], buckets: DURATIONS.slice(0, 10), registers })
  const submitted = new Counter({ name: 'vfs_jobs_submitted_total', help: 'Jobs accepted by POST /jobs', labelNames: ['vendor', 'team'], registers })
  const saved = new Counter({ name: 'vfs_saved_calls_total', help: 'Vendor calls saved: jobs that took a kept result (cache) or joined an identical job on the wire (coalesced)', labelNames: ['vendor', 'team', 'source'], registers })
  // `team` where the process that ended the job knew it.
  const finished = new Counter({ name: 'vfs_jobs_finished_total', help: 'Jobs that reached complete or failed, counted where it happened', labelNames: ['vendor', 'status', 'team'], registers })
  const jobSeconds = new Histogram({ name: 'vfs_job_duration_seconds', help: 'Time from a job\'s submission to complete or failed', labelNames: ['vendor', 'status', 'team'], buckets: DURATIONS, registers })
  const calls = new Counter({ name: 'vfs_vendor_calls_total', help: 'Vendor calls by outcome and HTTP status class (none: no answer)', labelNames: ['vendor', 'outcome', 'status_class', 'team'], registers })
  const callSeconds = new Histogram({ name: 'vfs_vendor_call_duration_seconds', help: 'Vendor call duration, headers and body', labelNames: ['vendor', 'outcome'], buckets: DURATIONS.slice(0, 12), registers })
  const spend = new Counter({ name: 'vfs_spend_total', help: "What vendor calls cost, in the operator's currency (vendors' cost), counted by the process that settled them", labelNames: ['vendor', 'team'], registers })
  const leasesLost = new Counter({ name: 'vfs_leases_lost_total', help: 'Calls stopped because another worker took their delivery over (its lease had run out)', labelNames: vendor, registers })
  const lateness = new Histogram({
    name: 'vfs_vendor_call_lateness_seconds',
    help: 'How long after its grant a call left for the vendor, or would have when it could not leave in time and went back for a new grant (outcome="late")',
    labelNames: vendor,
    buckets: LATENESS,
    registers
  })
  const waits = new Histogram({ name: 'vfs_dispatch_wait_seconds', help: 'Time a ready queue entry waited for its vendor\'s limits, pause or breaker and a free worker', labelNames: vendor, buckets: DURATIONS, registers })

  const depth = new Gauge({ name: 'vfs_queue_depth', help: 'Queue entries: ready to be taken, delayed (retries, polls) or delivered and not yet settled', labelNames: ['vendor', 'state'], registers })
  const oldest = new Gauge({ name: 'vfs_queue_oldest_age_seconds', help: 'Age of the oldest entry ready to be taken; 0 when none waits', labelNames: vendor, registers })
  const slots = new Gauge({ name: 'vfs_vendor_slots_in_use', help: 'Concurrency slots held by calls on the wire, fleet-wide', labelNames: vendor, registers })
  const slotLimit = new Gauge({ name: 'vfs_vendor_slots_limit', help: 'The vendor\'s concurrency limit', labelNames: vendor, registers })
  const tokens = new Gauge({ name: 'vfs_vendor_tokens_available', help: 'Calls the vendor\'s token bucket would grant now', labelNames: vendor, registers })
  const breaker = new Gauge({ name: 'vfs_vendor_breaker_state', help: 'The vendor\'s circuit breaker: 1 for its current state', labelNames: ['vendor', 'state'], registers })
  const pausedUntil = new Gauge({ name: 'vfs_vendor_paused_until_timestamp_seconds', help: 'End of the vendor\'s Retry-After pause, unix seconds; 0 when none', labelNames: vendor, registers })
  const held = new Gauge({ name: 'vfs_vendor_admin_paused', help: '1 while an operator has paused the vendor', labelNames: vendor, registers })
  const jobs = new Gauge({ name: 'vfs_jobs', help: 'Jobs listed under each status (kept for JOB_TTL_DAYS)', labelNames: ['vendor', 'status'], registers })

  const readQueues = async (): Promise<void> => {
    const now = Date.now()
    const limits = [...app.config.vendors.values()]
    const snapshots = await Promise.all(limits.map((l) => app.backend.queue.snapshot(l)))
    limits.forEach((l, i) => {
      const s = snapshots[i]
      if (s === undefined) return
      const v = { vendor: l.name }
      depth.set({ ...v, state: 'ready' }, s.ready)
      depth.set({ ...v, state: 'delayed' }, s.delayed)
      depth.set({ ...v, state: 'delivered' }, s.delivered)
      oldest.set(v, s.oldestReadyAt === undefined ? 0 : Math.max(0, now - s.oldestReadyAt) / 1000)
      slots.set(v, s.slotsInUse)
      slotLimit.set(v, l.concurrency)
      tokens.set(v, s.tokens)
      for (const state of BREAKER_STATES) breaker.set({ ...v, state }, s.breaker === state ? 1 : 0)
      pausedUntil.set(v, (s.pausedUntil ?? 0) / 1000)
      held.set(v, s.hold === undefined ? 0 : 1)
      for (const status of JOB_STATUSES) jobs.set({ ...v, status }, s.counts[status])
    })
  }

  // Label sets are few (routes x methods x statuses), and a cached child skips label validation per request.
  const routes = new Map<string, { observe (value: number): void }>()
  // A callback hook: an async one would cost a promise per request on the intake's hot path.
  app.addHook('onResponse', (request, reply, done) => {
    const key = `${request.method} ${request.routeOptions.url ?? ''} ${reply.statusCode}`
    let child = routes.get(key)
    if (child === undefined) {
      child = http.labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      routes.set(key, child)
    }
    child.observe(reply.elapsedTime / 1000)
    done()
  })

  // A call's metrics are kept per label set as children looked up by one key: prom-client's own lookup
  // validates and hashes the labels on every call, several times per vendor call.
  const children = new Map<string, unknown>()
  const child = <T>(metric: { labels (labels: Record<string, string>): T }, key: string, labels: () => Record<string, string>): T => {
    let found = children.get(key) as T | undefined
    if (found === undefined) {
      found = metric.labels(labels())
      children.set(key, found)
    }
    return found
  }
  app.decorate('metrics', {
    observer: {
      called (v, outcome, statusClass, seconds, team) {
        child(calls, `calls ${v} ${outcome} ${statusClass} ${team ?? ''}`, () => ({ vendor: v, outcome, status_class: statusClass, ...(team === undefined ? {} : { team }) })).inc()
        child(callSeconds, `callSeconds ${v} ${outcome}`, () => ({ vendor: v, outcome })).observe(seconds)
      },
      waited: (v, seconds) => child(waits, `waits ${v}`, () => ({ vendor: v })).observe(seconds),
      departed: (v, seconds) => child(lateness, `lateness ${v}`, () => ({ vendor: v })).observe(seconds),
      ended (v, status, seconds, team) {
        const labels = (): Record<string, string> => team === undefined ? { vendor: v, status } : { vendor: v, status, team }
        child(finished, `finished ${v} ${status} ${team ?? ''}`, labels).inc()
        child(jobSeconds, `jobSeconds ${v} ${status} ${team ?? ''}`, labels).observe(seconds)
      },
      leaseLost: (v) => leasesLost.inc({ vendor: v }),
      spent: (v, team, amount) => child(spend, `spend ${v} ${team}`, () => ({ vendor: v, team })).inc(amount)
    },
    submitted: (v, team) => submitted.inc({ vendor: v, team }),
    saved: (v, team, source) => saved.inc({ vendor: v, team, source }),
    async render () {
      try {
        await readQueues()
      } catch (err) {
        // Unknown is no value at all, never the last one read.
        for (const gauge of [depth, oldest, slots, tokens, breaker, pausedUntil, held, jobs]) gauge.reset()
        app.log.warn({ err }, 'cannot read the vendors\' queues for /metrics')
      }
      return { contentType: registry.contentType, body: await registry.metrics() }
    }
  } satisfies Metrics)
}

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x', dependencies: ['config', 'backend'] })
