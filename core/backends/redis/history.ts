import type { HistoryRecord, HistoryStore, QueueSample } from '../../history.js'
import type { RedisClient } from './client.js'
import type { RedisKeys } from './keys.js'

// One hash per vendor, in its slot: `c:<interval start>` the fleet's calls (each process adds its own),
// `q:<interval start>` the queue sampled by the interval's one sampler as "ready,delayed,in flight".
// The sampler trims what left the window; the hash expires whole once nothing writes to it.

const CALLS = 'c:'
const QUEUE = 'q:'

export function createRedisHistory (redis: RedisClient, keys: RedisKeys): HistoryStore {
  const keyOf = (vendor: string): string => keys.vendor(vendor).history
  return {
    async addCalls (vendor, counts, keepMs) {
      const key = keyOf(vendor)
      await Promise.all([...[...counts].map(([at, n]) => redis.hincrby(key, `${CALLS}${at}`, n)), redis.pexpire(key, keepMs)])
    },
    async addSample (vendor, at, sample, keepMs) {
      const key = keyOf(vendor)
      const [, , fields] = await Promise.all([
        redis.hset(key, `${QUEUE}${at}`, `${sample.ready},${sample.delayed},${sample.inFlight}`),
        redis.pexpire(key, keepMs),
        redis.hkeys(key)
      ])
      const old = fields.filter((field) => Number(field.slice(2)) < at - keepMs)
      if (old.length > 0) await redis.hdel(key, ...old)
    },
    async read (vendor, from) {
      const record: HistoryRecord = { calls: new Map(), samples: new Map() }
      for (const [field, value] of Object.entries(await redis.hgetall(keyOf(vendor)))) {
        const at = Number(field.slice(2))
        if (!(at >= from)) continue
        if (field.startsWith(CALLS)) record.calls.set(at, Number(value))
        else if (field.startsWith(QUEUE)) record.samples.set(at, toSample(value))
      }
      return record
    }
  }
}

function toSample (value: string): QueueSample {
  const [ready = 0, delayed = 0, inFlight = 0] = value.split(',').map(Number)
  return { ready, delayed, inFlight }
}
