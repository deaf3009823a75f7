import { grantTokens } from '../../dispatch/limits.js'
import { type Delivery, type DispatchQueue, type DispatchSettings, entryTime, type Settlement, type Take, type VendorLimits, type VendorSnapshot } from '../../dispatch/queue.js'
import { JOB_STATUSES } from '../../job.js'
import type { RedisClient } from './client.js'
import type { RedisKeys } from './keys.js'
import { defineScripts } from './scripts.js'
import { changeFields, fromHash, pairs } from './store.js'
import type { Claim } from '../../store.js'

export interface RedisQueueOptions extends DispatchSettings {
  keys: RedisKeys
  /** This process's name in the consumer group; unique per process. */
  consumer: string
  /** The vendors whose consumer groups this process makes sure of at start. */
  vendors: string[]
  /** A connection of its own for the wake-up channel: a subscribed connection can do nothing else. */
  subscriber: RedisClient
  /** Dead letters kept per vendor, approximately. */
  deadLetterMaxLen?: number
  /** The clock the scripts are given (tests move it); leases still expire by Redis's own clock. */
  now?: () => number
  /** Jobs live in this Redis, outside a Cluster: take claims them and settle records their changes (DispatchQueue.claims). */
  claims?: boolean
}

/** Stream entries read per coverage call: a slice long enough to be quick, short enough not to hold Redis up. */
const COVERAGE_SLICE = 5_000

const KINDS: Record<string, Delivery['kind']> = { c: 'call', p: 'poll', x: 'expire' }
const statusKeys = (k: ReturnType<RedisKeys['vendor']>): [string, string, string, string] =>
  [k.status('pending'), k.status('processing'), k.status('complete'), k.status('failed')]
const BLOCKED = new Set(['empty', 'paused', 'breaker', 'rate', 'quota', 'concurrency'])
const REFUSALS = new Set(['missing', 'done', 'held'])

/** A claim as take.lua answers it: the claimed job's hash, a refusal, or '' when the store claims instead. */
function claimOf (reply: string | number | string[] | undefined): Claim | undefined {
  if (Array.isArray(reply)) return { ok: true, job: fromHash(pairs(reply)) }
  return REFUSALS.has(String(reply)) ? { ok: false, reason: String(reply) as 'missing' | 'done' | 'held' } : undefined
}

/**
 * The Redis Streams queues: one stream per vendor, read by the consumer group `workers`, each next to
 * its vendor's limits and breaker under one hash tag, so that take.lua grants and reads in one step.
 * An acknowledged entry is deleted, so a stream holds only outstanding work and never needs trimming.
 */
export async function createRedisQueue (redis: RedisClient, opts: RedisQueueOptions): Promise<DispatchQueue> {
  const { keys, consumer, subscriber } = opts
  const deadLetterMaxLen = opts.deadLetterMaxLen ?? 100_000
  const now = opts.now ?? Date.now
  const claims = opts.claims === true
  defineScripts(redis)

  const ensureGroup = async (vendor: string): Promise<void> => {
    try {
      await redis.xgroup('CREATE', keys.vendor(vendor).queue, keys.group, '0', 'MKSTREAM')
    } catch (err) {
      if (!(err as Error).message.startsWith('BUSYGROUP')) throw err
    }
  }
  await Promise.all(opts.vendors.map(ensureGroup))
  /** A Redis that restarted without its data lost the groups too: make it again and retry once. */
  const withGroup = async <T>(vendor: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (err) {
      if (!(err as Error).message.includes('NOGROUP')) throw err
      await ensureGroup(vendor)
      return run()
    }
  }

  const listeners = new Set<(vendor: string) => void>()
  await subscriber.subscribe(keys.wakeChannel)
  subscriber.on('message', (channel: string, vendor: string) => {
    if (channel === keys.wakeChannel) for (const listener of listeners) listener(vendor)
  })

  const take = async (limits: VendorLimits, max: number, reclaim: boolean): Promise<Take> => {
    const k = keys.vendor(limits.name)
    const { rateLimit, breaker } = limits
    const reply = await redis.vfsTake(k.queue, k.state, k.inflight, k.delayed, k.wake,
      now(), consumer, max, reclaim ? '1' : '0', opts.leaseMs, opts.marginMs, rateLimit.perSecond, rateLimit.burst,
      limits.concurrency, limits.maxWaitMs, breaker.halfOpenAfterMs, breaker.probes, k.base, claims ? keys.jobPrefix : '',
      ...limits.quotas.flatMap((q) => [q.limit, q.windowMs]))
    const deliveries: Delivery[] = []
    for (let i = 2; i + 7 < reply.length; i += 8) {
      const entry = String(reply[i])
      const deliveryCount = Number(reply[i + 3])
      const trace = String(reply[i + 6])
      const claim = claimOf(reply[i + 7])
      deliveries.push({
        vendor: limits.name,
        entry,
        jobId: String(reply[i + 1]),
        createdAt: Number(reply[i + 5]),
        kind: KINDS[String(reply[i + 2])] ?? 'call',
        deliveries: deliveryCount,
        holder: `${entry}#${deliveryCount}`,
        probe: Number(reply[i + 4]) === 1,
        ...(trace === '' ? {} : { trace }),
        ...(claim === undefined ? {} : { claim })
      })
    }
    const blocked = String(reply[0])
    const wakeAt = Number(reply[1])
    return {
      deliveries,
      ...(BLOCKED.has(blocked) ? { blocked: blocked as Take['blocked'] } : {}),
      ...(wakeAt >= 0 ? { wakeAt } : {})
    }
  }

  const settlementArgs = (s: Settlement): Array<string | number> => {
    const d = s.delivery
    return [d.entry, d.deliveries, d.jobId, d.createdAt, s.outcome ?? '', d.probe ? '1' : '0', s.pauseUntil ?? '',
      s.next?.at ?? '', s.next?.kind === 'poll' ? 'p' : 'c', s.deadline ?? '', s.deadLetter ?? '', s.status ?? '',
      s.ref?.vendorRef ?? '', s.ref?.until ?? '', d.trace ?? '', ...jobChange(s)]
  }
  /** settle-job.lua's two fields: the job's key and its change as JSON, or both '' when the store settled it. */
  const jobChange = (s: Settlement): [string, string] => {
    if (!claims || s.change === undefined) return ['', '']
    const { set, remove } = changeFields(s.change)
    return [keys.job(s.delivery.jobId), JSON.stringify({ s: set, r: remove })]
  }

  return {
    kind: 'redis',
    claims,
    async enqueue (vendor, jobs) {
      const k = keys.vendor(vendor)
      await redis.vfsEnqueue(k.queue, k.delayed, k.wake, k.base, keys.wakeChannel, vendor,
        ...jobs.flatMap((job) => [job.id, String(job.createdAt), job.at === undefined ? '' : String(job.at), job.trace ?? '']))
    },
    take: (limits, max, { reclaim }) => withGroup(limits.name, () => take(limits, max, reclaim)),
    async renew (vendor, deliveries) {
      const k = keys.vendor(vendor)
      const lost = new Set(await redis.vfsRenew(k.queue, k.inflight, now(), consumer, opts.leaseMs,
        ...deliveries.flatMap((d) => [d.entry, d.deliveries])))
      return deliveries.filter((d) => lost.has(d.entry))
    },
    async settle (limits, settlements) {
      const k = keys.vendor(limits.name)
      const { breaker } = limits
      const reply = await redis.vfsSettle(k.queue, k.state, k.inflight, k.delayed, k.deadlines, k.deadLetter, k.wake,
        now(), consumer, k.base, keys.wakeChannel, limits.name,
        breaker.windowMs, Math.max(100, Math.floor(breaker.windowMs / 10)), breaker.minCalls, breaker.failureRatio, breaker.halfOpenAfterMs,
        deadLetterMaxLen, ...settlements.flatMap(settlementArgs))
      return settlements.map((_, i) => Number(reply[i + 1]) === 1)
    },
    async reindex (vendor, jobs) {
      const k = keys.vendor(vendor)
      await redis.vfsReindex(k.deadlines, k.base, ...jobs.flatMap((j) => [j.id, j.status, j.createdAt]))
    },
    async watchDeadlines (vendor, jobs) {
      if (jobs.length > 0) await redis.zadd(keys.vendor(vendor).deadlines, ...jobs.flatMap((j) => [j.at, j.id]))
    },
    async coverage (vendor, jobs) {
      const k = keys.vendor(vendor)
      const args = jobs.flatMap((j) => [j.id, j.createdAt])
      const entry = jobs.map(() => false)
      for (let from = '-'; ;) {
        const [next = '', ...flags] = await redis.vfsCoverage(k.queue, k.delayed, k.deadlines, from, COVERAGE_SLICE, ...args)
        flags.forEach((f, i) => { if (f.includes('e')) entry[i] = true })
        if (next !== '') {
          from = next
          continue
        }
        return flags.map((f, i) => ({ entry: entry[i] === true, retry: f.includes('r'), poll: f.includes('p'), deadline: f.includes('d') }))
      }
    },
    dueDeadlines: (vendor, now, max, leaseMs) => redis.vfsLeaseDue(keys.vendor(vendor).deadlines, now, max, leaseMs),
    async clearDeadlines (vendor, ids) {
      if (ids.length > 0) await redis.zrem(keys.vendor(vendor).deadlines, ...ids)
    },
    async snapshot (limits) {
      const k = keys.vendor(limits.name)
      const t = now()
      const reply = (await redis.vfsSnapshot(k.queue, k.state, k.inflight, k.delayed, ...statusKeys(k), t)).map(String)
      const [entries, delivered, oldest, slots, delayed, tat, pausedUntil, openUntil, hold, holdReason, ...counts] = reply
      const { rateLimit } = limits
      const snapshot: VendorSnapshot = {
        ready: Math.max(0, Number(entries) - Number(delivered)),
        delayed: Number(delayed),
        delivered: Number(delivered),
        slotsInUse: Number(slots),
        tokens: grantTokens(tat ? Number(tat) : undefined, t, rateLimit.perSecond, rateLimit.burst, opts.marginMs, rateLimit.burst).granted,
        breaker: !openUntil ? 'closed' : t < Number(openUntil) ? 'open' : 'half-open',
        counts: Object.fromEntries(JOB_STATUSES.map((s, i) => [s, Number(counts[i] ?? 0)])) as VendorSnapshot['counts']
      }
      if (oldest) snapshot.oldestReadyAt = entryTime(oldest)
      if (Number(pausedUntil) > t) snapshot.pausedUntil = Number(pausedUntil)
      if (hold) snapshot.hold = { since: Number(hold), ...(holdReason ? { reason: holdReason } : {}) }
      if (openUntil) snapshot.openUntil = Number(openUntil)
      return snapshot
    },
    async hold (vendor, reason) {
      const k = keys.vendor(vendor)
      // Pausing a paused vendor keeps the first pause's time and reason.
      if (await redis.hsetnx(k.state, 'hold', now()) === 1 && reason !== undefined) await redis.hset(k.state, 'holdReason', reason)
    },
    async resume (vendor) {
      const k = keys.vendor(vendor)
      const lifted = await redis.hdel(k.state, 'hold', 'holdReason') > 0
      // Dispatchers sleeping on the pause set the wake flag; a resume is rare, so it wakes them unconditionally.
      await redis.del(k.wake)
      await redis.publish(keys.wakeChannel, vendor)
      return lifted
    },
    async trimIndexes (vendor, before, keep) {
      const [pending, processing, complete, failed] = statusKeys(keys.vendor(vendor))
      return redis.vfsTrimIndexes(pending, processing, complete, failed, before, keep)
    },
    async jobOfRef (vendor, vendorRef) {
      return await redis.get(keys.vendor(vendor).ref(vendorRef)) ?? undefined
    },
    onWake (listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async ping () {
      await redis.ping()
    },
    async close () {
      listeners.clear()
      await subscriber.unsubscribe(keys.wakeChannel).catch(() => {})
    }
  }
}
