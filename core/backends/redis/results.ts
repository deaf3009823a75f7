import { fromMicros } from '../../dispatch/spend.js'
import type { ResultCache, Saved } from '../../results.js'
import type { RedisClient } from './client.js'
import type { RedisKeys } from './keys.js'
import { defineScripts } from './scripts.js'

/**
 * The result cache of Redis and full mode: per cache key a kept result expiring in Redis, a claim and
 * its leader's followers, under the key's own hash tag, so that each step is one script on one node and
 * the fleet has one leader per key. `now` fixes Redis's clock in tests.
 */
export function createRedisResults (redis: RedisClient, keys: RedisKeys, now = ''): ResultCache {
  defineScripts(redis)
  return {
    async admit (key, id, opts) {
      const k = keys.results(key)
      const [kind, a, b] = await redis.vfsResultAdmit(k.result, k.claim, k.followers, id, opts.maxAgeMs ?? '', opts.claimMs, now)
      if (kind === 'hit') return { kind, result: JSON.parse(a as string), at: Number(b) }
      if (kind === 'follow') return { kind, leader: a as string }
      return { kind: 'lead' }
    },
    async finish (key, id, keep) {
      const k = keys.results(key)
      return await redis.vfsResultFinish(k.result, k.claim, k.followers, id, keep === undefined ? '' : JSON.stringify(keep.result) ?? 'null', keep?.ttlMs ?? 0, now)
    },
    async saved (team, vendor, source, micros) {
      const pipeline = redis.pipeline().hincrby(keys.saved(team), `${vendor}|${source}`, 1)
      if (micros > 0) pipeline.hincrby(keys.saved(team), `${vendor}|cost`, micros)
      await pipeline.exec()
    },
    async savedOf (team) {
      const out: Record<string, Saved> = {}
      for (const [field, n] of Object.entries(await redis.hgetall(keys.saved(team)))) {
        const at = field.lastIndexOf('|')
        const what = field.slice(at + 1)
        if (what !== 'cache' && what !== 'coalesced' && what !== 'cost') continue
        const vendor = field.slice(0, at)
        const counts = out[vendor] ?? { cache: 0, coalesced: 0, cost: 0 }
        counts[what] += what === 'cost' ? fromMicros(Number(n)) : Number(n)
        out[vendor] = counts
      }
      return out
    }
  }
}
