import { RateLimiterRedis } from 'rate-limiter-flexible'
import type { IntakeCounters } from '../../teams/intake.js'
import type { RedisClient } from './client.js'
import type { RedisKeys } from './keys.js'
import { INTAKE_SCRIPT } from './scripts.js'

/**
 * Redis and Cluster modes: each team's window is one key in Redis, shared by every API process. The
 * library registers the script on the client as `rlflxIncr` (ioredis' defineCommand, on a Cluster too:
 * the script touches its one key).
 */
export function redisIntakeCounters (redis: RedisClient, keys: RedisKeys): IntakeCounters {
  return {
    limiter: (points, durationS) => new RateLimiterRedis({ storeClient: redis, points, duration: durationS, keyPrefix: '', customIncrTtlLuaScript: INTAKE_SCRIPT }),
    key: (team) => keys.intake(team),
    countsRefusals: false
  }
}
