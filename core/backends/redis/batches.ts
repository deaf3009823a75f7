import type { Batch, BatchStore } from '../../batches.js'
import type { RedisClient } from './client.js'
import type { RedisKeys } from './keys.js'

/** Batches in Redis: one JSON string each, under the batch's own hash tag, expiring with its jobs. */
export function createRedisBatches (redis: RedisClient, keys: RedisKeys, ttlMs: number): BatchStore {
  return {
    async create (batch) {
      await redis.set(keys.batch(batch.id), JSON.stringify(batch), 'PX', ttlMs)
    },
    async get (id) {
      const json = await redis.get(keys.batch(id))
      return json === null ? null : JSON.parse(json) as Batch
    }
  }
}
