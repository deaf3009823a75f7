import type { Cluster, Redis } from 'ioredis'
import type { RedisKeys } from '../redis/keys.js'
import { type Breaker, bucketMs } from './types.js'

/** How long a worker trusts a closed answer before asking Redis again: a breaker opened elsewhere is seen this late. */
export const CLOSED_TRUST_MS = 100

/**
 * Redis mode's breaker: one state per vendor shared by every worker, changed only by its two scripts.
 * A closed breaker is taken on trust for a moment, so that a healthy vendor costs no round trip per call.
 */
export function createRedisBreaker (redis: Redis | Cluster, keys: RedisKeys): Breaker {
  const closedUntil = new Map<string, number>()
  return {
    async permit (vendor, policy, now = Date.now()) {
      if ((closedUntil.get(vendor) ?? -Infinity) > now) return { call: true, probe: false }
      const [call, value] = await redis.vfsBreakerPermit(keys.breaker(vendor).state, now, policy.probes, policy.halfOpenAfterMs)
      if (call === 1 && value === 0) closedUntil.set(vendor, now + CLOSED_TRUST_MS)
      return call === 1 ? { call: true, probe: value === 1 } : { call: false, retryAt: value }
    },
    async record (vendor, policy, outcome, probe, now = Date.now()) {
      const { state, bucket } = keys.breaker(vendor)
      const size = bucketMs(policy)
      const index = Math.floor(now / size)
      const window = Array.from({ length: Math.ceil(policy.windowMs / size) }, (_, i) => bucket(index - i))
      const keyList = [state, bucket(index), ...window]
      const after = await redis.vfsBreakerRecord(keyList.length, ...keyList,
        outcome, probe ? '1' : '0', now, policy.windowMs + size, policy.minCalls, policy.failureRatio, policy.halfOpenAfterMs)
      if (after === 'open') closedUntil.delete(vendor)
      return after
    }
  }
}
