import { ReplyError } from 'ioredis'
import { bucketOf, departureWindow, quotaLeave, quotaMargin, slotOf, tokensAvailable } from '../../dispatch/limits.js'
import { sumUsage, usageBucket } from '../../dispatch/usage.js'
import { bucketMs, firstCounted } from '../../dispatch/spend.js'
import { type Delivery, type DispatchQueue, type DispatchSettings, type Settlement, SettlementRefusedError, type Take, type VendorLimits, type VendorSnapshot } from '../../dispatch/queue.js'
import { JOB_STATUSES } from '../../job.js'
import { type RedisClient, subscribeWhenReady } from './client.js'
import type { RedisKeys } from './keys.js'
import { defineScripts } from './scripts.js'
import { changeFields, endSettings, fromHash, pairs } from './store.js'
import { endsJob } from '../../ending.js'
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
  /** A clock the scripts take instead of Redis's own (tests move it); leases still expire by Redis's. */
  now?: () => number
  /** Jobs live in this Redis, outside a Cluster: take claims them and settle records their changes (DispatchQueue.claims). */
  claims?: boolean
  /**
   * A Redis Cluster: a script reads only its vendor's slot, so a team's budget over all its vendors is
   * kept by each vendor's take with what the team spent on that vendor only.
   */
  cluster?: boolean
}

/** Stream entries read per coverage call: a slice long enough to be quick, short enough not to hold Redis up. */
const COVERAGE_SLICE = 5_000

const KINDS: Record<string, Delivery['kind']> = { c: 'call', p: 'poll', x: 'expire', q: 'quota', b: 'budget' }
/** Fields per delivery in take.lua's answer (test/core/backends/redis/replies.test.ts holds the script to it). */
export const TAKEN = 10

/** One delivery's fields in settle.lua's arguments, in their order; the script reads them by position. */
type SettleFields = [entry: string, deliveries: number, job: string, createdAt: number, outcome: string, probe: string, pauseUntil: number | '',
  nextAt: number | '', nextKind: string, deadline: number | '', deadLetter: string, status: string, vendorRef: string, refUntil: number | '',
  trace: string, team: string, refund: string, change: string, spend: string]
/** Their count, which the compiler holds to the tuple (and replies.test.ts the script to both). */
export const SETTLED: SettleFields['length'] = 19
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
  const fixed = opts.now
  /** What a script takes as its time: '' for Redis's own clock, the one clock of the fleet's limits. */
  const scriptNow = (): string => fixed === undefined ? '' : String(fixed())
  /** This process's clock, by which a settlement's and a delayed entry's times are given; the scripts move them onto theirs. */
  const senderNow = (): number => fixed === undefined ? Date.now() : fixed()
  /** A time by the scripts' clock as this process's clock tells it: the two may differ by any amount. */
  const local = (at: number, scriptTime: number): number => fixed === undefined ? Date.now() + (at - scriptTime) : at
  const claims = opts.claims === true
  const weightOf = opts.weightOf ?? (() => 1)
  /** A quota as take.lua reads it: the count, then limit, window and margin of each. */
  const quotaArgs = (quotas: ReadonlyArray<{ limit: number, windowMs: number }>): number[] =>
    [quotas.length, ...quotas.flatMap((q) => [q.limit, q.windowMs, quotaMargin(q.windowMs, opts.marginMs)])]
  defineScripts(redis)
  /** take.lua's ARGV[17], made once per vendor's limits: the budgets are configuration. */
  const budgetArgs = new WeakMap<VendorLimits, string>()
  const budgetsOf = (limits: VendorLimits): string => {
    let json = budgetArgs.get(limits)
    if (json === undefined) {
      const byTeam: Record<string, Array<[number, number, number, string[]]>> = {}
      for (const [team, rules] of limits.budgets ?? []) {
        byTeam[team] = rules.map((b) => {
          const others = b.team && opts.cluster !== true ? (limits.vendors ?? []).filter((v) => v !== limits.name).map((v) => keys.vendor(v).spend(team, b.windowMs)) : []
          return [b.limit, b.windowMs, bucketMs(b.windowMs), others]
        })
      }
      json = Object.keys(byTeam).length === 0 ? '' : JSON.stringify(byTeam)
      budgetArgs.set(limits, json)
    }
    return json
  }

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
  await subscribeWhenReady(subscriber, keys.wakeChannel)
  subscriber.on('message', (channel: string, vendor: string) => {
    if (channel === keys.wakeChannel) for (const listener of listeners) listener(vendor)
  })

  const take = async (limits: VendorLimits, max: number, reclaim: boolean): Promise<Take> => {
    const k = keys.vendor(limits.name)
    const { breaker } = limits
    const bucket = bucketOf(limits.rateLimit, opts.marginMs)
    const reply = await redis.vfsTake(k.queue, k.state, k.inflight, k.delayed, k.wake, k.usage,
      scriptNow(), consumer, max, reclaim ? '1' : '0', opts.leaseMs, bucket.interval, bucket.tolerance, bucket.catchUpMs, bucket.lookaheadMs,
      limits.concurrency, limits.maxWaitMs, breaker.halfOpenAfterMs, breaker.probes, k.base, claims ? keys.jobPrefix : '',
      limits.reserve ?? 0, budgetsOf(limits), ...quotaArgs(limits.quotas), ...[...limits.teamQuotas ?? []].flatMap(([team, quotas]) => [team, ...quotaArgs(quotas)]))
    const deliveries: Delivery[] = []
    const scriptTime = Number(reply[2])
    const from = Number(reply[3])
    let granted = 0
    const reserve = limits.reserve ?? 0
    for (let i = 4; i + TAKEN - 1 < reply.length; i += TAKEN) {
      const entry = String(reply[i])
      const deliveryCount = Number(reply[i + 3])
      const trace = String(reply[i + 6])
      const claim = claimOf(reply[i + 7])
      const kind = KINDS[String(reply[i + 2])] ?? 'call'
      const grant = kind === 'call' || kind === 'poll'
      const team = String(reply[i + 8])
      deliveries.push({
        vendor: limits.name,
        entry,
        jobId: String(reply[i + 1]),
        createdAt: Number(reply[i + 5]),
        team,
        queuedAt: local(Number(reply[i + 9]), scriptTime),
        kind,
        deliveries: deliveryCount,
        holder: `${entry}#${deliveryCount}`,
        probe: Number(reply[i + 4]) === 1,
        ...(trace === '' ? {} : { trace }),
        ...(claim === undefined ? {} : { claim }),
        ...(from < 0 || !grant ? {} : { leave: departureWindow(bucket, from, granted, scriptTime, quotaLeave(opts.marginMs, limits.quotas, limits.teamQuotas?.get(team))), slot: slotOf(bucket, from, granted++) }),
        // take.lua reserved the call's cost for a first delivery (a takeover's is its first holder's).
        ...(grant && reserve > 0 && deliveryCount === 1 ? { reserved: { micros: reserve, at: scriptTime } } : {})
      })
    }
    const blocked = String(reply[0])
    const wakeAt = Number(reply[1])
    return {
      deliveries,
      ...(BLOCKED.has(blocked) ? { blocked: blocked as Take['blocked'] } : {}),
      ...(wakeAt >= 0 ? { wakeAt: local(wakeAt, scriptTime) } : {})
    }
  }

  const settlementArgs = (limits: VendorLimits, s: Settlement): SettleFields => {
    const d = s.delivery
    return [d.entry, d.deliveries, d.jobId, d.createdAt, s.outcome ?? '', d.probe ? '1' : '0', s.pauseUntil ?? '',
      s.next?.at ?? '', s.next?.kind === 'poll' ? 'p' : 'c', s.deadline ?? '', s.deadLetter ?? '', s.status ?? '',
      s.ref?.vendorRef ?? '', s.ref?.until ?? '', d.trace ?? '', d.team, s.regrant === true ? JSON.stringify(refund(limits, d)) : '', jobChange(s),
      spendArg(limits, s)]
  }
  /** settle.lua's last field: what the call spent against its reservation, in the ledgers the take reserved in. */
  const spendArg = (limits: VendorLimits, s: Settlement): string => {
    const d = s.delivery
    const delta = (s.spent ?? 0) - (d.reserved?.micros ?? 0)
    if (delta === 0) return ''
    const windows = [...new Set((limits.budgets?.get(d.team) ?? []).map((b) => b.windowMs))]
    // A takeover reserved nothing: what it spent counts now, by the sender's clock moved onto none (close enough for a bucket).
    return JSON.stringify({ d: delta, a: d.reserved?.at ?? senderNow(), w: windows.map((w) => [w, bucketMs(w)]) })
  }
  /** What a call that never left gives back: its quota places and, when none was granted after it, its slot in the bucket (limits.ts slotBack). */
  const refund = (limits: VendorLimits, d: Delivery): { quotas: string[], slot?: number, tat?: number, usage?: [string, string] } => ({
    quotas: quotaKeys(limits, d.team),
    ...(d.slot === undefined
      ? {}
      : { slot: d.slot, tat: slotOf(bucketOf(limits.rateLimit, opts.marginMs), d.slot, 1), usage: [keys.vendor(limits.name).usage, `${usageBucket(d.slot)}:${d.team}`] })
  })
  /** The quota keys a call of this team was counted in: the vendor's, and its team's own on the vendor. */
  const quotaKeys = (limits: VendorLimits, team: string): string[] => {
    const k = keys.vendor(limits.name)
    return [...limits.quotas.map((q) => k.quota(q.windowMs)), ...(limits.teamQuotas?.get(team) ?? []).map((q) => k.teamQuota(team, q.windowMs))]
  }
  /** settle-job.lua's change as JSON (`e`: it ends the job, by the settings the settlement sends once), or '' when the store settled it. */
  const jobChange = (s: Settlement): string => {
    if (!claims || s.change === undefined) return ''
    const { set, remove } = changeFields(s.change)
    return JSON.stringify(endsJob(s.change) ? { s: set, r: remove, e: 1 } : { s: set, r: remove })
  }
  // Claims happen on one Redis only: an end indexes its completion webhook itself (end-job.lua).
  const ending = endSettings(keys, '', true)

  return {
    kind: 'redis',
    claims,
    async enqueue (vendor, jobs) {
      const k = keys.vendor(vendor)
      await redis.vfsEnqueue(k.delayed, k.wake, k.base, keys.wakeChannel, vendor, scriptNow(), senderNow(),
        ...jobs.flatMap((job) => [job.id, String(job.createdAt), job.at === undefined ? '' : String(job.at), job.trace ?? '', job.team, weightOf(job.team)]))
    },
    take: (limits, max, { reclaim }) => withGroup(limits.name, () => take(limits, max, reclaim)),
    async renew (vendor, deliveries) {
      const k = keys.vendor(vendor)
      const lost = new Set(await redis.vfsRenew(k.queue, k.inflight, scriptNow(), consumer, opts.leaseMs,
        ...deliveries.flatMap((d) => [d.entry, d.deliveries])))
      return deliveries.filter((d) => lost.has(d.entry))
    },
    async settle (limits, settlements) {
      const k = keys.vendor(limits.name)
      const { breaker } = limits
      let args: Array<string | number>
      try {
        args = settlements.flatMap((s) => settlementArgs(limits, s))
      } catch (err) {
        throw new SettlementRefusedError(`a settlement cannot be encoded: ${(err as Error).message}`, { cause: err })
      }
      try {
        const reply = await redis.vfsSettle(k.queue, k.state, k.inflight, k.delayed, k.deadlines, k.deadLetter, k.wake,
          scriptNow(), consumer, k.base, keys.wakeChannel, limits.name,
          breaker.windowMs, Math.max(100, Math.floor(breaker.windowMs / 10)), breaker.minCalls, breaker.failureRatio, breaker.halfOpenAfterMs,
          deadLetterMaxLen, senderNow(), keys.jobPrefix, ending.o, ending.n, ending.c, ...args)
        return settlements.map((_, i) => Number(reply[i + 1]) === 1)
      } catch (err) {
        // A plain ERR is the script (or the protocol) refusing what it was given; OOM, BUSY, LOADING and the like pass.
        if (err instanceof ReplyError && (err as Error).message.startsWith('ERR ')) throw new SettlementRefusedError((err as Error).message, { cause: err })
        throw err
      }
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
      const args = jobs.flatMap((j) => [j.id, j.createdAt, j.team, j.trace ?? ''])
      const entry = jobs.map(() => false)
      for (let from = '-'; ;) {
        const [next = '', ...flags] = await redis.vfsCoverage(k.queue, k.delayed, k.deadlines, from, COVERAGE_SLICE, k.base, ...args)
        flags.forEach((f, i) => { if (f.includes('e')) entry[i] = true })
        if (next !== '') {
          from = next
          continue
        }
        return flags.map((f, i) => ({ entry: entry[i] === true, retry: f.includes('r'), poll: f.includes('p'), deadline: f.includes('d') }))
      }
    },
    async dueDeadlines (vendor, now, max, leaseMs) {
      const [, ...ids] = await redis.vfsLeaseDue(keys.vendor(vendor).deadlines, now, max, leaseMs)
      return ids.map(String)
    },
    async clearDeadlines (vendor, ids) {
      if (ids.length > 0) await redis.zrem(keys.vendor(vendor).deadlines, ...ids)
    },
    async spend (vendor, asks) {
      const k = keys.vendor(vendor)
      const now = fixed === undefined ? Number((await redis.time())[0]) * 1000 : fixed()
      const [totals, ...ledgers] = await Promise.all([redis.hgetall(k.spent), ...asks.map((a) => redis.hgetall(k.spend(a.team, a.windowMs)))])
      return {
        totals: new Map(Object.entries(totals ?? {}).map(([team, micros]) => [team, Number(micros)])),
        windowed: asks.map((a, i) => {
          const from = firstCounted(now, a.windowMs)
          return Object.entries(ledgers[i] ?? {}).reduce((sum, [bucket, micros]) => Number(bucket) >= from ? sum + Number(micros) : sum, 0)
        })
      }
    },
    async snapshot (limits) {
      const k = keys.vendor(limits.name)
      const reply = (await redis.vfsSnapshot(k.queue, k.state, k.inflight, k.delayed, ...statusKeys(k), scriptNow(), k.base)).map(String)
      const [ready, delivered, oldest, slots, delayed, tat, pausedUntil, openUntil, hold, holdReason, ...rest] = reply
      const t = Number(rest[JOB_STATUSES.length])
      const snapshot: VendorSnapshot = {
        ready: Number(ready),
        delayed: Number(delayed),
        delivered: Number(delivered),
        slotsInUse: Number(slots),
        tokens: tokensAvailable(tat ? Number(tat) : undefined, t, bucketOf(limits.rateLimit, opts.marginMs), limits.rateLimit.burst),
        breaker: !openUntil ? 'closed' : t < Number(openUntil) ? 'open' : 'half-open',
        counts: Object.fromEntries(JOB_STATUSES.map((s, i) => [s, Number(rest[i] ?? 0)])) as VendorSnapshot['counts']
      }
      if (oldest) snapshot.oldestReadyAt = local(Number(oldest), t)
      if (Number(pausedUntil) > t) snapshot.pausedUntil = local(Number(pausedUntil), t)
      if (hold) snapshot.hold = { since: Number(hold), ...(holdReason ? { reason: holdReason } : {}) }
      if (openUntil) snapshot.openUntil = local(Number(openUntil), t)
      return snapshot
    },
    async teamUse (vendor, teams) {
      const k = keys.vendor(vendor)
      const teamKeys = teams.flatMap((team) => [k.ready(team.name), ...team.quotas.map((q) => k.teamQuota(team.name, q.windowMs))])
      const teamArgs = teams.flatMap((team) => [team.quotas.length, ...team.quotas.map((q) => q.windowMs + quotaMargin(q.windowMs, opts.marginMs))])
      const reply = (await redis.vfsTeamUse(1 + teamKeys.length, k.usage, ...teamKeys, scriptNow(), ...teamArgs)).map(String)
      const t = Number(reply[0])
      const size = Number(reply[1])
      const counts = []
      for (let i = 2; i < 2 + size; i += 2) {
        // `<bucket>:<team>`; the hash's `bucket` field, its latest bucket, is no count.
        const [, bucket, team] = /^(\d+):(.*)$/s.exec(reply[i] ?? '') ?? []
        if (bucket !== undefined && team !== undefined) counts.push({ bucket: Number(bucket), team, calls: Number(reply[i + 1]) })
      }
      const { hour, recent, recentCalls } = sumUsage(counts, t)
      let at = 2 + size
      return {
        recentCalls,
        teams: new Map(teams.map(({ name, quotas }) => [name, {
          queued: Number(reply[at++]),
          calls: hour.get(name) ?? 0,
          recentCalls: recent.get(name) ?? 0,
          quotas: quotas.map(() => Number(reply[at++]))
        }]))
      }
    },
    async hold (vendor, reason) {
      const k = keys.vendor(vendor)
      // Pausing a paused vendor keeps the first pause's time and reason.
      if (await redis.hsetnx(k.state, 'hold', senderNow()) === 1 && reason !== undefined) await redis.hset(k.state, 'holdReason', reason)
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
    async dropIdleConsumers (vendor, idleMs) {
      return redis.vfsDropConsumers(keys.vendor(vendor).queue, keys.group, '', idleMs)
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
      // Each start names a new consumer: one that stopped cleanly leaves its groups, unless it still holds entries.
      await Promise.all(opts.vendors.map((vendor) => redis.vfsDropConsumers(keys.vendor(vendor).queue, keys.group, consumer, ''))).catch(() => {})
    }
  }
}
