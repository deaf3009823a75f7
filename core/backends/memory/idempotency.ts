import type { IdempotencyKeys } from '../../idempotency.js'

/**
 * Embedded mode's idempotency keys: a map of at most `maxKeys`. Every record is put with the same TTL, so
 * the map's order (a put moves a key to the end) is also its expiry order: the front goes first, when it
 * expired or when the map is full.
 */
export function createMemoryIdempotencyKeys (maxKeys: number, now: () => number = Date.now): IdempotencyKeys {
  const records = new Map<string, { value: string, expiresAt: number }>()
  const live = (key: string): string | undefined => {
    const record = records.get(key)
    if (record === undefined || record.expiresAt > now()) return record?.value
    records.delete(key)
    return undefined
  }
  const put = (key: string, value: string, ttlMs: number): void => {
    records.delete(key)
    for (const [oldest, record] of records) {
      if (records.size < maxKeys && record.expiresAt > now()) break
      records.delete(oldest)
    }
    records.set(key, { value, expiresAt: now() + ttlMs })
  }
  return {
    async reserve (key, record, ttlMs) {
      const held = live(key)
      if (held !== undefined) return held
      put(key, record, ttlMs)
      return null
    },
    async swap (key, expected, next, ttlMs) {
      if (live(key) !== expected) return false
      put(key, next, ttlMs)
      return true
    }
  }
}
