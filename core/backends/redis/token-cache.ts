import type { CachedToken, TokenCache } from '../../../vendors/adapters/token-cache.js'
import type { RedisClient } from './client.js'
import type { RedisKeys } from './keys.js'

/** The fleet's OAuth2 tokens in Redis: one token per vendor client for every worker, one fetch at a time. */
export function createRedisTokenCache (redis: RedisClient, keys: RedisKeys): TokenCache {
  return {
    async get (key) {
      const text = await redis.get(keys.shared(key))
      return text === null ? undefined : JSON.parse(text) as CachedToken
    },
    async set (key, token, ttlMs) {
      await redis.set(keys.shared(key), JSON.stringify(token), 'PX', Math.max(1, Math.round(ttlMs)))
    },
    async lock (key, ttlMs) {
      return await redis.set(keys.shared(key), '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX') === 'OK'
    }
  }
}
