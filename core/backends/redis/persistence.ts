import type { RedisClient } from './client.js'

/** What a Redis restart keeps: everything acknowledged (`aof`), the last snapshot (`rdb`), nothing (`none`). */
export type RedisPersistence = 'aof' | 'rdb' | 'none' | 'unknown'

/**
 * The persistence a Redis server runs with. INFO tells whether the append-only file is on; only CONFIG
 * tells whether snapshots are, and managed services often disable CONFIG: then `unknown`.
 */
export async function redisPersistence (redis: Pick<RedisClient, 'info' | 'config'>): Promise<RedisPersistence> {
  try {
    if (/^aof_enabled:1\r?$/m.test(await redis.info('persistence'))) return 'aof'
    const [, save] = await redis.config('GET', 'save') as string[]
    return save === undefined ? 'unknown' : save.trim() === '' ? 'none' : 'rdb'
  } catch {
    return 'unknown'
  }
}
