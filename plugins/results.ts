import { charge, priceFor } from '../core/dispatch/spend.js'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { queued } from '../core/dispatch/queue.js'
import { dueAtEnd, intendNotify } from '../core/notify/outbox.js'
import type { Job } from '../core/job.js'
import { finishLeader, type Freshness, settleFollower, submitCached } from '../core/results.js'
import { cacheKey } from '../vendors/cache.js'
import type { VendorConfig } from '../vendors/config.js'
import { InvalidPayloadError } from './errors.js'

interface Results {
  /**
   * How a job of `team` for `vendor` with `payload` is submitted when its vendor keeps results: through
   * the cache and coalescing (core/results.ts), telling the metrics what it saved. Undefined: as any job.
   */
  submitter (team: string, vendor: string, payload: Record<string, unknown>, freshness: Freshness): Promise<((job: Job) => Promise<void>) | undefined>
  /** A coalesced job as it stands: ended with its leader's outcome should its leader have ended without ending it. */
  settle (job: Job): Promise<Job>
}

declare module 'fastify' {
  interface FastifyInstance {
    results: Results
  }
}

/**
 * How long a key's claim lasts: about the longest a job can stay on the wire (its wait for the vendor,
 * its calls and retries, a callback), after which a leader that died without ending frees the key.
 */
const claimMs = (v: VendorConfig): number => v.maxWaitMs + v.callbackTimeoutMs + v.retry.attempts * (v.timeoutMs + v.retry.maxDelayMs)

/**
 * The result cache and coalescing, wired: submissions of vendors that keep results go through it, and
 * each job's end (wherever this process ends it) keeps its result and ends its followers.
 */
async function resultsPlugin (app: FastifyInstance): Promise<void> {
  const { backend, vendors } = app
  const jobs = {
    store: backend.store,
    submit: (job: Job) => backend.submit(job),
    index: (job: Job) => backend.queue.reindex(job.vendor, [{ id: job.id, status: job.status, createdAt: job.createdAt }]),
    async ended (job: Job) {
      const due = dueAtEnd(job)
      if (due !== undefined) await backend.outbox.schedule(job.team, [due])
    },
    requeue: (job: Job) => backend.queue.enqueue(job.vendor, [queued(job)]),
    intend: (job: Job) => intendNotify(backend.outbox, [job])
  }
  const caching = (vendor: string): boolean => {
    const config = vendors.get(vendor)
    return config !== undefined && (config.cache !== undefined || Object.values(config.types ?? {}).some((t) => t.cache !== undefined))
  }
  const stop = backend.onJobEnded(async (job) => {
    if (job.cacheKey === undefined) return
    await finishLeader(jobs, backend.results, job, vendors.runtime(job.vendor)?.cache.of(job.payload)?.ttlMs)
  }, caching)
  app.addHook('onClose', async () => { stop() })

  app.decorate('results', {
    async submitter (team, vendor, payload, freshness) {
      const runtime = vendors.runtime(vendor)
      const rule = runtime?.cache.of(payload)
      if (runtime === undefined || rule === undefined) return undefined
      let key: string
      try {
        key = await cacheKey(rule, vendor, team, payload)
      } catch (err) {
        throw new InvalidPayloadError(vendor, `its cache key cannot be made: ${(err as Error).message}`)
      }
      return async (job) => {
        // What the call it saves would have cost: the call and its result, at the job's type's price.
        const savesMicros = charge(priceFor(runtime.config, payload.type), 'result')
        const source = await submitCached(jobs, backend.results, job, key, { ...freshness, claimMs: claimMs(runtime.config), savesMicros })
        if (source !== 'vendor') app.metrics.saved(vendor, team, source)
      }
    },
    settle: (job) => settleFollower(jobs, job)
  } satisfies Results)
}

export default fp(resultsPlugin, { name: 'results', fastify: '5.x', dependencies: ['backend', 'vendors', 'metrics'] })
