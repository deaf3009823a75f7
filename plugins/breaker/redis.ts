import type { Redis } from 'ioredis'
import type { RedisKeys } from '../redis/keys.js'
import { type Breaker, bucketMs } from './types.js'

/** Redis mode's breaker: one state per vendor shared by every worker, changed only by its two scripts. */
export function createRedisBreaker (redis: Redis, keys: RedisKeys): Breaker {
  return {
    async permit (vendor, policy, now = Date.now()) {
      const [call, value] = await redis.vfsBreakerPermit(keys.breaker(vendor).state, now, policy.probes, policy.halfOpenAfterMs)
      return call === 1 ? { call: true, probe: value === 1 } : { call: false, retryAt: value }
    },
    async record (vendor, policy, outcome, probe, now = Date.now()) {
      const { state, bucket } = keys.breaker(vendor)
      const size = bucketMs(policy)
      const index = Math.floor(now / size)
      const window = Array.from({ length: Math.ceil(policy.windowMs / size) }, (_, i) => bucket(index - i))
      const keyList = [state, bucket(index), ...window]
      return redis.vfsBreakerRecord(keyList.length, ...keyList,
        outcome, probe ? '1' : '0', now, policy.windowMs + size, policy.minCalls, policy.failureRatio, policy.halfOpenAfterMs)
    }
  }
}
