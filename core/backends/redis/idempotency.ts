import type { IdempotencyKeys } from '../../idempotency.js'
import type { RedisClient } from './client.js'
import type { RedisKeys } from './keys.js'
import { defineScripts } from './scripts.js'

/** Idempotency keys in Redis, one string per key under its own hash tag; redis and full mode keep them here. */
export function createRedisIdempotencyKeys (redis: RedisClient, keys: RedisKeys): IdempotencyKeys {
  defineScripts(redis)
  return {
    reserve: (key, record, ttlMs) => redis.vfsIdempotencyReserve(keys.idempotency(key), record, ttlMs),
    swap: async (key, expected, next, ttlMs) => await redis.vfsIdempotencySwap(keys.idempotency(key), expected, next, ttlMs) === 1
  }
}
