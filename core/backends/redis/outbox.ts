import type { JobEnded } from '../../ending.js'
import { dueAtEnd, type Outbox } from '../../notify/outbox.js'
import { type RedisClient, subscribeWhenReady } from './client.js'
import type { RedisKeys } from './keys.js'
import { defineScripts } from './scripts.js'

async function schedule (redis: RedisClient, keys: RedisKeys, team: string, entries: ReadonlyArray<{ id: string, at: number }>): Promise<void> {
  if (entries.length === 0) return
  await redis.zadd(keys.outbox(team), ...entries.flatMap(({ id, at }) => [at, id]))
  if (entries.some(({ at }) => at <= Date.now())) await redis.publish(keys.outboxChannel, team)
}

/**
 * The outbox of Redis and full mode: a zset per team under the team's own hash tag (keys.ts outbox). In
 * one Redis a job's end adds its delivery in the script that ends it (end-job.lua); on a Cluster, or with
 * MongoDB, `endHook` does it after the end, and an entry written at submission covers the gap.
 * `subscriber` is the backend's subscribed connection, on which the outbox channel wakes notifiers.
 */
export async function createRedisOutbox (redis: RedisClient, keys: RedisKeys, subscriber: RedisClient): Promise<Outbox> {
  defineScripts(redis)
  const listeners = new Set<(team: string) => void>()
  await subscribeWhenReady(subscriber, keys.outboxChannel)
  subscriber.on('message', (channel: string, team: string) => {
    if (channel === keys.outboxChannel) for (const listener of listeners) listener(team)
  })
  return {
    schedule: (team, entries) => schedule(redis, keys, team, entries),
    async lease (team, now, max, leaseMs) {
      const [next, ...ids] = await redis.vfsLeaseDue(keys.outbox(team), now, max, leaseMs)
      return { ids: ids.map(String), ...(Number(next) < 0 ? {} : { next: Number(next) }) }
    },
    async drop (team, id) {
      await redis.zrem(keys.outbox(team), id)
    },
    onDue (listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}

/**
 * What a job's end does after its store wrote it, where the write could not do it itself: on a Redis
 * Cluster (end-job.lua cannot reach the team's outbox on another node) and with MongoDB, it indexes the
 * completion webhook; with MongoDB (`tellEnds`) it also tells the end to the long polls. It never throws:
 * the entry written at submission finds the webhook later, and a long poll answers when its wait ends.
 */
export function redisEndHook (redis: RedisClient, keys: RedisKeys, tellEnds: boolean): JobEnded {
  return async (job) => {
    const due = dueAtEnd(job)
    try {
      // MongoDB's cache in Redis holds the job as it was until its writer puts it back, after this hook: it is
      // dropped first, so that a long poll or a notifier this end wakes reads the end from MongoDB. The writer
      // holds the entry's lease meanwhile, so no reader puts the older job back.
      if (tellEnds) await redis.del(keys.job(job.id))
      await Promise.all([
        due === undefined ? undefined : schedule(redis, keys, job.team, [due]),
        tellEnds ? redis.publish(keys.endedChannel, job.id) : undefined
      ])
    } catch {}
  }
}
