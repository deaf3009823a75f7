import type { Cluster, Redis } from 'ioredis'
import type { RedisKeys } from '../redis/keys.js'
import type { Job, JobChange } from '../store/job-state.js'
import type { Delivery, JobQueue, QueueEntry } from './types.js'

export interface RedisQueueOptions {
  keys: RedisKeys
  /** This process's name in the consumer group; unique per process. */
  consumer: string
  /** An entry unacknowledged this long belongs to a dead consumer and is taken over. */
  claimIdleMs: number
  /** Records the job and its stream entry in one script (the store owns the job's hash). */
  submit (job: Job): Promise<void>
  /** Changes a failed job and adds its stream entry in one script. */
  replay (id: string, change: JobChange): Promise<Job | null>
  /** Dead letters kept, approximately. */
  deadLetterMaxLen?: number
}

const PROMOTE_BATCH = 100

/**
 * The Redis Streams queue: `job-queue` read by the consumer group `workers`. Retries wait in a sorted
 * set until due; entries idle on a dead consumer are claimed with XAUTOCLAIM. An acknowledged entry is
 * deleted, so the stream holds only outstanding work and never needs trimming that could drop some.
 */
export async function createRedisQueue (redis: Redis | Cluster, blocking: Redis | Cluster, opts: RedisQueueOptions): Promise<JobQueue> {
  const { keys, consumer, claimIdleMs } = opts
  const deadLetterMaxLen = opts.deadLetterMaxLen ?? 100_000
  let lastClaim = 0
  let closed = false

  const ensureGroup = async (): Promise<void> => {
    try {
      await redis.xgroup('CREATE', keys.queue, keys.group, '0', 'MKSTREAM')
    } catch (err) {
      if (!(err as Error).message.startsWith('BUSYGROUP')) throw err
    }
  }
  await ensureGroup()

  const delivery = (streamId: string, fields: string[], deliveries: number): Delivery => {
    const entry = toEntry(fields)
    return {
      ...entry,
      deliveries,
      async ack () {
        await redis.multi().xack(keys.queue, keys.group, streamId).xdel(keys.queue, streamId).exec()
      },
      async deadLetter (reason) {
        await redis.multi()
          .xadd(keys.deadLetter, 'MAXLEN', '~', deadLetterMaxLen, '*', 'id', entry.id, 'vendor', entry.vendor, 'deliveries', deliveries, 'reason', reason)
          .xack(keys.queue, keys.group, streamId)
          .xdel(keys.queue, streamId)
          .exec()
      }
    }
  }

  /** Entries left by consumers that stopped acknowledging, with how often each was handed out. */
  const claimAbandoned = async (max: number): Promise<Delivery[]> => {
    const [, entries] = await redis.xautoclaim(keys.queue, keys.group, consumer, claimIdleMs, '0-0', 'COUNT', max) as [string, Array<[string, string[]] | null>]
    const live = entries.filter((e): e is [string, string[]] => e !== null)
    if (live.length === 0) return []
    const pipeline = redis.pipeline()
    for (const [id] of live) pipeline.xpending(keys.queue, keys.group, id, id, 1)
    const counts = (await pipeline.exec()) ?? []
    return live.map(([id, fields], i) => {
      const [, rows] = counts[i] ?? []
      const n = (rows as Array<[string, string, number, number]> | undefined)?.[0]?.[3]
      return delivery(id, fields, n ?? 2)
    })
  }

  const readOnce = async (max: number, blockMs: number): Promise<Delivery[]> => {
    const [, next] = await redis.vfsPromoteDelayed(keys.delayed, keys.queue, Date.now(), PROMOTE_BATCH)
    const now = Date.now()
    if (now - lastClaim >= claimIdleMs / 2) {
      lastClaim = now
      const claimed = await claimAbandoned(max)
      if (claimed.length > 0) return claimed
    }
    // Wake in time for the next delayed entry, which no XADD will announce.
    const block = next >= 0 ? Math.max(1, Math.min(blockMs, next - now)) : blockMs
    const res = await blocking.xreadgroup('GROUP', keys.group, consumer, 'COUNT', max, 'BLOCK', block, 'STREAMS', keys.queue, '>') as
      Array<[string, Array<[string, string[]]>]> | null
    return (res?.[0]?.[1] ?? []).map(([id, fields]) => delivery(id, fields, 1))
  }

  return {
    kind: 'redis',
    submit: opts.submit,
    replay: opts.replay,
    async add (entry, delayMs = 0) {
      if (delayMs <= 0) {
        await redis.xadd(keys.queue, '*', 'id', entry.id, 'vendor', entry.vendor)
        return
      }
      await redis.zadd(keys.delayed, Date.now() + delayMs, `${entry.id}|${entry.vendor}`)
    },
    async read (max, blockMs) {
      if (closed) return []
      try {
        return await readOnce(max, blockMs)
      } catch (err) {
        // A Redis that restarted without its data lost the group too.
        if ((err as Error).message.startsWith('NOGROUP')) await ensureGroup()
        throw err
      }
    },
    async ping () {
      await redis.ping()
    },
    async close () {
      closed = true
    }
  }
}

function toEntry (fields: string[]): QueueEntry {
  const entry: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i] as string] = fields[i + 1] as string
  if (entry.id === undefined || entry.vendor === undefined) throw new Error(`malformed job-queue entry: ${fields.join(' ')}`)
  return { id: entry.id, vendor: entry.vendor }
}
