import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import type { VendorConfig } from '../vendors/config.js'
import { redisKeys } from './redis/keys.js'
import { msUntilNextWindow, planWindows, type WindowPlan, windowIndex } from '../vendors/rate-windows.js'

/** Waits for a vendor's token instead of failing the job; the limiter behind it is per mode. */
export interface RateLimits {
  acquire (vendor: VendorConfig, signal?: AbortSignal): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    rateLimits: RateLimits
  }
}

export function createRateLimits (vendors: Iterable<VendorConfig>, build: (plan: WindowPlan, vendor: string) => RateLimiterAbstract): RateLimits {
  const limiters = new Map<string, { plan: WindowPlan, limiter: RateLimiterAbstract }>()
  for (const vendor of vendors) {
    const plan = planWindows(vendor.rateLimit)
    limiters.set(vendor.name, { plan, limiter: build(plan, vendor.name) })
  }
  return {
    async acquire (vendor, signal) {
      const entry = limiters.get(vendor.name)
      if (entry === undefined) throw new Error(`no rate limit for vendor ${vendor.name}`)
      const { plan, limiter } = entry
      for (;;) {
        signal?.throwIfAborted()
        const now = Date.now()
        try {
          await limiter.consume(String(windowIndex(plan, now)))
          return
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err
          // A little jitter keeps the waiters from all retrying at the very edge of the next window.
          await sleep(msUntilNextWindow(plan, Date.now()) + Math.floor(Math.random() * 5), undefined, { signal })
        }
      }
    }
  }
}

/** In Redis mode every worker process counts into the same windows, so the limit holds however many run. */
async function rateLimitsPlugin (app: FastifyInstance): Promise<void> {
  const { vendors, redis } = app.config
  const keys = redis === undefined ? undefined : redisKeys(redis.prefix)
  app.decorate('rateLimits', createRateLimits(vendors.values(), (plan, vendor) => {
    // Each window gets its own key, so a key only needs to outlive its window.
    const opts = { points: plan.points, duration: Math.ceil(plan.windowMs / 1000) + 1 }
    return keys === undefined
      ? new RateLimiterMemory(opts)
      : new RateLimiterRedis({ ...opts, storeClient: app.redis, keyPrefix: keys.rateLimit(vendor) })
  }))
}

export default fp(rateLimitsPlugin, { name: 'rate-limits', fastify: '5.x', dependencies: ['config'] })
