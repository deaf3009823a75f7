import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'tap'
import fc from 'fast-check'
import { breakerRoom, newBreakerState, recordOutcome, takeProbes } from '../../../core/dispatch/breaker.js'
import { bucketOf, departureWindow, grantTokens, quotaMargin } from '../../../core/dispatch/limits.js'
import type { Delivery, DispatchQueue, Settlement, VendorLimits } from '../../../core/dispatch/queue.js'
import type { Teardown } from '../../redis-server.js'

/** A clock the test moves; leases in Redis still run on Redis's own clock, so lease tests use the real one. */
export interface Clock { now: number }

/**
 * Two queues over the same state: two worker processes in Redis mode; in memory the same queue twice,
 * as one process is the whole fleet there.
 */
export type MakeQueues = (t: Teardown, opts: { leaseMs?: number, marginMs?: number, clock?: Clock, weightOf?: (team: string) => number }) => Promise<[DispatchQueue, DispatchQueue]>

/** Limits loose enough to grant anything, for tests that set the one they are about. */
export const LIMITS: VendorLimits = {
  name: 'v',
  rateLimit: { perSecond: 1000, burst: 1000 },
  quotas: [],
  concurrency: 100,
  breaker: { minCalls: 4, failureRatio: 0.5, windowMs: 10_000, halfOpenAfterMs: 1000, probes: 1 },
  maxWaitMs: 60_000
}

const jobs = (n: number, createdAt: number, team = 'default') => Array.from({ length: n }, () => ({ id: randomUUID(), createdAt, team }))
const done = (d: Delivery, extra: Omit<Settlement, 'delivery'> = {}): Settlement => ({ delivery: d, outcome: 'ok', status: 'complete', ...extra })

/** What every dispatch queue must do; each backend's test file runs this against its own. */
export function queueContract (name: string, skip: false | string, make: MakeQueues): void {
  const start = 1_800_000_000_000
  const clocked = async (t: Teardown, opts: { marginMs?: number, weightOf?: (team: string) => number } = {}) => {
    const clock = { now: start }
    const [queue] = await make(t, { ...opts, clock })
    return { queue, clock }
  }

  test(`${name}: a queued job is handed out once, with its delivery, and then the queue is empty`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    const [job] = jobs(1, start - 5)
    if (job === undefined) return
    await queue.enqueue('v', [job])
    const take = await queue.take(LIMITS, 10, { reclaim: false })
    t.equal(take.deliveries.length, 1)
    t.match(take.deliveries[0], { vendor: 'v', jobId: job.id, createdAt: job.createdAt, kind: 'call', deliveries: 1, probe: false })
    const d = take.deliveries[0] as Delivery
    t.equal(d.holder, `${d.entry}#1`)
    t.equal(take.blocked, 'empty', 'fewer than asked: the queue ran out')
    t.same((await queue.take(LIMITS, 10, { reclaim: false })).deliveries, [], 'not handed out twice')
    await queue.settle(LIMITS, [done(d)])
    t.same((await queue.take(LIMITS, 10, { reclaim: true })).deliveries, [], 'settled entries are gone')
  })

  test(`${name}: one vendor's queue is apart from another's`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    await queue.enqueue('v', jobs(3, start))
    const other = await queue.take({ ...LIMITS, name: 'w' }, 10, { reclaim: false })
    t.same(other.deliveries, [])
    t.equal((await queue.take(LIMITS, 10, { reclaim: false })).deliveries.length, 3)
  })

  test(`${name}: the bucket grants its burst, then one call per interval, and says when`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    await queue.enqueue('v', jobs(10, start))
    const limits = { ...LIMITS, rateLimit: { perSecond: 10, burst: 3 } }
    const first = await queue.take(limits, 10, { reclaim: false })
    t.equal(first.deliveries.length, 3)
    t.equal(first.blocked, 'rate')
    t.equal(first.wakeAt, start + 100)
    t.same((await queue.take(limits, 10, { reclaim: false })).deliveries, [], 'no token left')
    clock.now = start + 100
    t.equal((await queue.take(limits, 10, { reclaim: false })).deliveries.length, 1)
  })

  test(`${name}: takes at any times grant what the bucket rule in limits.ts grants, each call with when it may leave`, { skip }, async (t) => {
    const cases = fc.sample(fc.record({
      perSecond: fc.constantFrom(0.5, 1, 3, 20, 100),
      burst: fc.integer({ min: 1, max: 6 }),
      marginMs: fc.constantFrom(0, 20, 50),
      asks: fc.array(fc.record({ afterMs: fc.integer({ min: 0, max: 700 }), want: fc.integer({ min: 1, max: 8 }) }), { minLength: 1, maxLength: 12 })
    }), 6)
    for (const { perSecond, burst, marginMs, asks } of cases) {
      const clock = { now: start }
      const [queue] = await make(t, { marginMs, clock })
      await queue.enqueue('v', jobs(120, start))
      const limits = { ...LIMITS, rateLimit: { perSecond, burst } }
      const bucket = bucketOf(limits.rateLimit, marginMs)
      let tat: number | undefined
      for (const { afterMs, want } of asks) {
        clock.now += afterMs
        const take = await queue.take(limits, want, { reclaim: false })
        const rule = grantTokens(tat, clock.now, bucket, want)
        tat = rule.granted > 0 ? rule.tat : tat
        const expected = Array.from({ length: rule.granted }, (_, i) => departureWindow(bucket, rule.from, i, clock.now))
        const at = `${perSecond}/s burst ${burst} margin ${marginMs} at +${clock.now - start} ms asking ${want}`
        t.same(take.deliveries.map((d) => d.leave), expected, at)
        if (rule.granted < want) t.equal(take.wakeAt, Math.ceil(rule.nextAt), `${at}: the next grant`)
      }
    }
  })

  test(`${name}: a call that never left gives its quota place back and is granted again at once, with no attempt spent`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    await queue.enqueue('v', jobs(2, start))
    const limits = { ...LIMITS, quotas: [{ limit: 1, windowMs: 60_000 }] }
    const [d] = (await queue.take(limits, 5, { reclaim: false })).deliveries
    if (d === undefined) return t.fail('nothing taken')
    t.same((await queue.take(limits, 5, { reclaim: false })).deliveries, [], 'the quota is used')
    await queue.settle(limits, [{ delivery: d, regrant: true, next: { at: start, kind: 'call' }, status: 'processing' }])
    const again = await queue.take(limits, 5, { reclaim: false })
    t.equal(again.deliveries.length, 1, 'its place came back')
    t.match(again.deliveries[0], { jobId: d.jobId, deliveries: 1 }, 'and it is the first in line again, as a new first delivery')
  })

  test(`${name}: a call that never left gives its slot in the bucket back when none was granted after it`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    await queue.enqueue('v', jobs(3, start))
    const slow = { ...LIMITS, rateLimit: { perSecond: 1, burst: 1 } }
    const [late] = (await queue.take(slow, 1, { reclaim: false })).deliveries
    if (late === undefined) return t.fail('nothing taken')
    t.same((await queue.take(slow, 5, { reclaim: false })).deliveries, [], 'the bucket is spent for a second')
    await queue.settle(slow, [{ delivery: late, regrant: true, next: { at: start, kind: 'call' }, status: 'processing' }])
    const again = (await queue.take(slow, 5, { reclaim: false })).deliveries
    t.same(again.map((d) => d.jobId), [late.jobId], 'its slot came back: it is granted again at once, and no more')
  })

  test(`${name}: a call that never left keeps its slot in the bucket spent when a later one was granted`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    await queue.enqueue('v', jobs(3, start))
    const pair = { ...LIMITS, rateLimit: { perSecond: 1, burst: 2 } }
    const [first, second] = (await queue.take(pair, 2, { reclaim: false })).deliveries
    if (first === undefined || second === undefined) return t.fail('two not taken')
    await queue.settle(pair, [{ delivery: first, regrant: true, next: { at: start, kind: 'call' }, status: 'processing' }])
    t.same((await queue.take(pair, 5, { reclaim: false })).deliveries, [], 'the second holds the slot after it: nothing comes back')
    await queue.settle(pair, [{ delivery: second, regrant: true, next: { at: start, kind: 'call' }, status: 'processing' }])
    t.equal((await queue.take(pair, 5, { reclaim: false })).deliveries.length, 1, 'the last granted slot comes back')
  })

  test(`${name}: counts each team's calls, waiting entries and quota use, as GET /teams shows them`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    const limits = { ...LIMITS, concurrency: 100, rateLimit: { perSecond: 1000, burst: 1000 }, teamQuotas: new Map([['a', [{ limit: 100, windowMs: 60_000 }]]]) }
    const teams = [{ name: 'a', quotas: [{ windowMs: 60_000 }] }, { name: 'b', quotas: [] }, { name: 'idle', quotas: [] }]
    await queue.enqueue('v', [...jobs(3, start, 'a'), ...jobs(5, start, 'b')])
    t.same(await queue.teamUse('v', teams), {
      recentCalls: 0,
      teams: new Map([['a', { queued: 3, calls: 0, recentCalls: 0, quotas: [0] }], ['b', { queued: 5, calls: 0, recentCalls: 0, quotas: [] }], ['idle', { queued: 0, calls: 0, recentCalls: 0, quotas: [] }]])
    }, 'waiting, nothing called')
    const [late] = (await queue.take(limits, 4, { reclaim: false })).deliveries.filter((d) => d.team === 'a')
    if (late === undefined) return t.fail('team a had nothing taken')
    await queue.settle(limits, [{ delivery: late, regrant: true, next: { at: clock.now, kind: 'call' }, status: 'processing' }])
    t.match(await queue.teamUse('v', teams), { teams: new Map([['a', { queued: 2, calls: 1 }]]) }, 'a call that never left is not counted')
    clock.now += 30_000
    await queue.take(limits, 4, { reclaim: false })
    await queue.take(limits, 4, { reclaim: false })
    t.same(await queue.teamUse('v', teams), {
      recentCalls: 8,
      teams: new Map([['a', { queued: 0, calls: 3, recentCalls: 3, quotas: [3] }], ['b', { queued: 0, calls: 5, recentCalls: 5, quotas: [] }], ['idle', { queued: 0, calls: 0, recentCalls: 0, quotas: [] }]])
    }, 'called: calls and the share, quota places counted')
    clock.now += 5 * 60_000
    t.match(await queue.teamUse('v', teams), { recentCalls: 0, teams: new Map([['a', { calls: 3, recentCalls: 0, quotas: [0] }], ['b', { calls: 5 }]]) }, 'minutes later: still in the hour, no longer recent')
    clock.now += 60 * 60_000
    t.match(await queue.teamUse('v', teams), { teams: new Map([['a', { calls: 0 }], ['b', { calls: 0 }]]) }, 'an hour later: gone')
  })

  /** Limits that let every entry taken here go out: the share is all that decides. */
  const WIDE = { ...LIMITS, concurrency: 10_000 }
  const byTeam = (deliveries: Delivery[]): Record<string, number> => {
    const counts: Record<string, number> = {}
    for (const d of deliveries) counts[d.team] = (counts[d.team] ?? 0) + 1
    return counts
  }
  const takeMany = async (queue: DispatchQueue, limits: VendorLimits, turns: number, each: number): Promise<Delivery[]> => {
    const taken: Delivery[] = []
    for (let i = 0; i < turns; i++) taken.push(...(await queue.take(limits, each, { reclaim: false })).deliveries)
    return taken
  }

  test(`${name}: two teams with work ready share the vendor by their weights, whatever the size of each take`, { skip }, async (t) => {
    const { queue } = await clocked(t, { weightOf: (team) => team === 'growth' ? 3 : 1 })
    await queue.enqueue('v', [...jobs(300, start, 'growth'), ...jobs(300, start, 'risk')])
    t.same(byTeam(await takeMany(queue, WIDE, 20, 10)), { growth: 150, risk: 50 }, '3 to 1 in takes of 10')
    t.same(byTeam(await takeMany(queue, WIDE, 80, 1)), { growth: 60, risk: 20 }, 'and one at a time')
  })

  test(`${name}: a team's weight changed in the configuration holds from its next submission on, though its backlog never emptied`, { skip }, async (t) => {
    let weight = 3
    const { queue } = await clocked(t, { weightOf: (team) => team === 'growth' ? weight : 1 })
    await queue.enqueue('v', [...jobs(300, start, 'growth'), ...jobs(300, start, 'risk')])
    t.same(byTeam(await takeMany(queue, WIDE, 10, 10)), { growth: 75, risk: 25 }, '3 to 1')
    weight = 1
    await queue.enqueue('v', jobs(1, start, 'growth'))
    t.same(byTeam(await takeMany(queue, WIDE, 10, 10)), { growth: 50, risk: 50 }, 'then 1 to 1')
  })

  test(`${name}: a team alone gets the whole vendor, and one whose work arrives behind another's backlog is served within one turn`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    await queue.enqueue('v', jobs(1000, start, 'bulk'))
    t.same(byTeam(await takeMany(queue, WIDE, 5, 20)), { bulk: 100 }, 'alone: every grant')
    const [small] = jobs(1, start, 'small')
    if (small === undefined) return
    await queue.enqueue('v', [small])
    const next = await queue.take(WIDE, 2, { reclaim: false })
    t.ok(next.deliveries.some((d) => d.jobId === small.id), 'the new team\'s job is among the next two grants')
  })

  test(`${name}: a team that had nothing ready banks no share: it rejoins at the others' pace`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    await queue.enqueue('v', jobs(400, start, 'busy'))
    await takeMany(queue, WIDE, 10, 20)
    await queue.enqueue('v', jobs(100, start, 'idle'))
    t.same(byTeam(await takeMany(queue, WIDE, 10, 10)), { busy: 50, idle: 50 }, 'half each from then on, not all to the one that waited')
  })

  test(`${name}: a team that becomes ready just after a small-weight team's turn waits a turn, not that team's stride`, { skip }, async (t) => {
    const { queue } = await clocked(t, { weightOf: (team) => team === 'bg' ? 0.01 : 1 })
    await queue.enqueue('v', [...jobs(300, start, 'bulk'), ...jobs(10, start, 'bg')])
    const before: Delivery[] = []
    while (!before.some((d) => d.team === 'bg')) before.push(...(await queue.take(WIDE, 1, { reclaim: false })).deliveries)
    await queue.enqueue('v', jobs(1, start, 'risk'))
    let others = 0
    for (let d = (await queue.take(WIDE, 1, { reclaim: false })).deliveries[0]; d !== undefined && d.team !== 'risk'; d = (await queue.take(WIDE, 1, { reclaim: false })).deliveries[0]) others++
    t.ok(others <= 2, `the newcomer's job was taken after ${others} others' (the small-weight team's stride is 100)`)
  })

  test(`${name}: a team over its own quota on the vendor waits while the others go on, and its jobs that would wait past maxWaitMs fail`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    const limits = { ...LIMITS, maxWaitMs: 20_000, teamQuotas: new Map([['capped', [{ limit: 2, windowMs: 10_000 }]]]) }
    await queue.enqueue('v', [...jobs(4, start, 'capped'), ...jobs(3, start, 'free')])
    const first = await queue.take(limits, 10, { reclaim: false })
    t.same(byTeam(first.deliveries), { capped: 2, free: 3 }, 'two of the capped team\'s, all of the other\'s')
    await queue.enqueue('v', jobs(2, start, 'free'))
    t.same(byTeam((await queue.take(limits, 10, { reclaim: false })).deliveries), { free: 2 }, 'the capped team waits; the other goes on')
    clock.now = start + 10_000 + quotaMargin(10_000, 0)
    t.same(byTeam((await queue.take(limits, 10, { reclaim: false })).deliveries), { capped: 2 }, 'the capped team again once its window has room')
    await queue.enqueue('v', jobs(2, clock.now - 15_000, 'capped'))
    const expired = await queue.take(limits, 10, { reclaim: false })
    t.same(expired.deliveries.map((d) => [d.team, d.kind]), [['capped', 'quota'], ['capped', 'quota']], 'jobs that cannot wait for its next window are handed out to fail')
    t.same(expired.deliveries.map((d) => d.leave), [undefined, undefined], 'without a grant')
  })



  test(`${name}: a fractional rate of 0.5/s grants one call every two seconds`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    await queue.enqueue('v', jobs(5, start))
    const limits = { ...LIMITS, rateLimit: { perSecond: 0.5, burst: 1 } }
    let granted = 0
    for (let ms = 0; ms <= 6000; ms += 500) {
      clock.now = start + ms
      const take = await queue.take(limits, 5, { reclaim: false })
      granted += take.deliveries.length
      if (take.deliveries.length > 0) t.equal(ms % 2000, 0, `granted at ${ms} ms`)
    }
    t.equal(granted, 4)
  })

  test(`${name}: the fleet's concurrency is held until settled, and the release wakes a sleeping dispatcher`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    await queue.enqueue('v', jobs(5, start))
    const limits = { ...LIMITS, concurrency: 2 }
    const first = await queue.take(limits, 10, { reclaim: false })
    t.equal(first.deliveries.length, 2)
    t.equal(first.blocked, 'concurrency')
    const blocked = await queue.take(limits, 10, { reclaim: false })
    t.same(blocked.deliveries, [])
    t.equal(blocked.blocked, 'concurrency')
    const woken: string[] = []
    const off = queue.onWake((vendor) => woken.push(vendor))
    await queue.settle(limits, [done(first.deliveries[0] as Delivery)])
    for (let i = 0; i < 50 && woken.length === 0; i++) await sleep(10)
    off()
    t.same(woken, ['v'])
    t.equal((await queue.take(limits, 10, { reclaim: false })).deliveries.length, 1, 'one slot came free')
  })

  test(`${name}: a quota holds in its sliding window, widened by its margin, and says when the oldest call leaves it`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    await queue.enqueue('v', jobs(10, start))
    const limits = { ...LIMITS, quotas: [{ limit: 3, windowMs: 10_000 }] }
    const window = 10_000 + quotaMargin(10_000, 0)
    t.equal((await queue.take(limits, 2, { reclaim: false })).deliveries.length, 2)
    clock.now = start + 4000
    const second = await queue.take(limits, 10, { reclaim: false })
    t.equal(second.deliveries.length, 1)
    t.equal(second.blocked, 'quota')
    clock.now = start + window - 1
    const full = await queue.take(limits, 10, { reclaim: false })
    t.same(full.deliveries, [])
    t.equal(full.wakeAt, start + window)
    clock.now = start + window
    t.equal((await queue.take(limits, 10, { reclaim: false })).deliveries.length, 2, 'the first two left the window')
  })

  test(`${name}: a Retry-After pauses the whole vendor until then`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    await queue.enqueue('v', jobs(3, start))
    const [d] = (await queue.take(LIMITS, 1, { reclaim: false })).deliveries
    if (d === undefined) return t.fail('nothing taken')
    await queue.settle(LIMITS, [{ delivery: d, pauseUntil: start + 2000, next: { at: start + 2000, kind: 'call' }, status: 'processing' }])
    clock.now = start + 1999
    t.same(await queue.take(LIMITS, 10, { reclaim: false }), { deliveries: [], blocked: 'paused', wakeAt: start + 2000 })
    clock.now = start + 2000
    t.equal((await queue.take(LIMITS, 10, { reclaim: false })).deliveries.length, 3, 'the paused job too, due again')
  })

  test(`${name}: failures open the breaker; half-open it lets one probe through, whose success closes it`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    await queue.enqueue('v', jobs(10, start))
    const four = (await queue.take(LIMITS, 4, { reclaim: false })).deliveries
    await queue.settle(LIMITS, four.map((d) => ({ delivery: d, outcome: 'fail' as const, next: { at: start + 60_000, kind: 'call' as const } })))
    t.same(await queue.take(LIMITS, 10, { reclaim: false }), { deliveries: [], blocked: 'breaker', wakeAt: start + 1000 })
    clock.now = start + 1000
    const probe = await queue.take(LIMITS, 10, { reclaim: false })
    t.equal(probe.deliveries.length, 1)
    t.equal(probe.deliveries[0]?.probe, true)
    t.equal(probe.blocked, 'breaker')
    t.same((await queue.take(LIMITS, 10, { reclaim: false })).deliveries, [], 'one probe per interval')
    await queue.settle(LIMITS, [done(probe.deliveries[0] as Delivery)])
    const closed = await queue.take(LIMITS, 10, { reclaim: false })
    t.equal(closed.deliveries.length, 5, 'closed again')
    t.notOk(closed.deliveries.some((d) => d.probe))
  })

  test(`${name}: any run of outcomes moves the breaker as the rules in breaker.ts do`, { skip }, async (t) => {
    const runs = fc.sample(fc.array(fc.record({ afterMs: fc.integer({ min: 0, max: 1500 }), fail: fc.boolean() }), { minLength: 5, maxLength: 40 }), 8)
    for (const run of runs) {
      const { queue, clock } = await clocked(t)
      await queue.enqueue('v', jobs(run.length, start))
      const rules = newBreakerState()
      const seen: string[] = []
      const expected: string[] = []
      for (const { afterMs, fail } of run) {
        clock.now += afterMs
        const taken = await queue.take(LIMITS, 1, { reclaim: false })
        const room = breakerRoom(rules, LIMITS.breaker, clock.now)
        const d = taken.deliveries[0]
        if (d !== undefined && d.kind === 'call') {
          if (room.probe) takeProbes(rules, 1)
          const outcome = fail ? 'fail' as const : 'ok' as const
          await queue.settle(LIMITS, [{ delivery: d, outcome, status: 'processing', next: { at: start + 3_600_000, kind: 'call' } }])
          recordOutcome(rules, LIMITS.breaker, outcome, d.probe, clock.now)
        }
        seen.push(`${d?.kind ?? taken.blocked}:${(await queue.snapshot(LIMITS)).breaker}`)
        expected.push(`${room.room > 0 ? 'call' : 'breaker'}:${rules.openUntil === undefined ? 'closed' : clock.now < rules.openUntil ? 'open' : 'half-open'}`)
      }
      t.same(seen, expected, `${run.length} calls, ${run.filter((r) => r.fail).length} failed`)
    }
  })

  test(`${name}: a 429 pauses without counting against the breaker`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    await queue.enqueue('v', jobs(10, start))
    const four = (await queue.take(LIMITS, 4, { reclaim: false })).deliveries
    await queue.settle(LIMITS, four.map((d) => ({ delivery: d, pauseUntil: start + 10, next: { at: start + 10, kind: 'call' as const } })))
    clock.now = start + 10
    t.equal((await queue.take(LIMITS, 10, { reclaim: false })).deliveries.length, 10, 'no breaker opened')
  })

  test(`${name}: while the breaker is open, jobs older than maxWaitMs are handed out to expire, without grants`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    const limits = { ...LIMITS, maxWaitMs: 5000, breaker: { ...LIMITS.breaker, halfOpenAfterMs: 60_000 } }
    await queue.enqueue('v', jobs(4, start))
    const four = (await queue.take(limits, 4, { reclaim: false })).deliveries
    await queue.settle(limits, four.map((d) => ({ delivery: d, outcome: 'fail' as const, status: 'failed' as const })))
    const old = jobs(2, start)
    await queue.enqueue('v', old)
    await queue.enqueue('v', jobs(1, start + 3000))
    clock.now = start + 4999
    t.same((await queue.take(limits, 10, { reclaim: false })).deliveries, [], 'none waited long enough')
    clock.now = start + 5000
    const expired = await queue.take(limits, 10, { reclaim: false })
    t.same(expired.deliveries.map((d) => [d.jobId, d.kind]), old.map((j) => [j.id, 'expire']))
    t.equal(expired.blocked, 'breaker')
    await queue.settle(limits, expired.deliveries.map((d) => ({ delivery: d, status: 'failed' as const })))
    t.same((await queue.take(limits, 10, { reclaim: false })).deliveries, [], 'the younger job still waits')
  })

  test(`${name}: a retry waits until due, and the take says when that is`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    const [job] = jobs(1, start - 100)
    if (job === undefined) return
    await queue.enqueue('v', [job])
    const [d] = (await queue.take(LIMITS, 1, { reclaim: false })).deliveries
    if (d === undefined) return t.fail('nothing taken')
    await queue.settle(LIMITS, [{ delivery: d, outcome: 'fail', next: { at: start + 500, kind: 'call' }, status: 'processing' }])
    t.same(await queue.take(LIMITS, 10, { reclaim: false }), { deliveries: [], blocked: 'empty', wakeAt: start + 500 })
    clock.now = start + 500
    const again = await queue.take(LIMITS, 10, { reclaim: false })
    t.match(again.deliveries, [{ jobId: job.id, createdAt: job.createdAt, kind: 'call', deliveries: 1 }])
    t.not(again.deliveries[0]?.entry, d.entry, 'a new entry')
  })

  test(`${name}: coverage tells a queued or handed-out entry, a delayed retry, intent or poll, and a watched deadline from nothing`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    const [taken, retrying, polling, waiting, queued, intent, lost] = jobs(7, start)
    if (taken === undefined || retrying === undefined || polling === undefined || waiting === undefined || queued === undefined || intent === undefined || lost === undefined) return
    await queue.enqueue('v', [taken, retrying, polling, waiting])
    const [held, retried, polled, accepted] = (await queue.take(LIMITS, 4, { reclaim: false })).deliveries
    if (held === undefined || retried === undefined || polled === undefined || accepted === undefined) return t.fail('not all taken')
    await queue.settle(LIMITS, [
      { delivery: retried, outcome: 'fail', next: { at: start + 10_000, kind: 'call' }, status: 'processing' },
      { delivery: polled, outcome: 'ok', next: { at: start + 10_000, kind: 'poll' }, status: 'processing' },
      { delivery: accepted, outcome: 'ok', deadline: start + 10_000, status: 'processing' }
    ])
    await queue.enqueue('v', [queued, { ...intent, at: start + 5_000 }])
    const none = { entry: false, retry: false, poll: false, deadline: false }
    t.same(await queue.coverage('v', [taken, retrying, polling, waiting, queued, intent, lost]), [
      { ...none, entry: true },
      { ...none, retry: true },
      { ...none, poll: true },
      { ...none, deadline: true },
      { ...none, entry: true },
      { ...none, retry: true },
      none
    ])
    t.same(await queue.coverage('w', [taken]), [none], 'per vendor')
  })

  test(`${name}: a watched deadline comes due like one a settlement set`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    const [job] = jobs(1, start)
    if (job === undefined) return
    await queue.watchDeadlines('v', [{ id: job.id, at: start + 100 }])
    t.match(await queue.coverage('v', [job]), [{ deadline: true }])
    t.same(await queue.dueDeadlines('v', start + 99, 10, 1000), [])
    t.same(await queue.dueDeadlines('v', start + 100, 10, 1000), [job.id])
  })

  test(`${name}: an intent queued for later is taken back when the job is queued for now`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    const [job] = jobs(1, start)
    if (job === undefined) return
    await queue.enqueue('v', [{ ...job, at: start + 5000 }])
    t.same((await queue.take(LIMITS, 10, { reclaim: false })).deliveries, [], 'not due yet')
    await queue.enqueue('v', [job])
    t.equal((await queue.take(LIMITS, 10, { reclaim: false })).deliveries.length, 1)
    clock.now = start + 6000
    t.same((await queue.take(LIMITS, 10, { reclaim: false })).deliveries, [], 'the intent is gone')
    const [orphan] = jobs(1, start)
    if (orphan === undefined) return
    await queue.enqueue('v', [{ ...orphan, at: start + 7000 }])
    clock.now = start + 7000
    t.match((await queue.take(LIMITS, 10, { reclaim: false })).deliveries, [{ jobId: orphan.id }], 'an intent nobody took back is delivered')
  })

  test(`${name}: deadlines come due once per lease and go when cleared or when the job ends`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    const [a, b] = jobs(2, start)
    if (a === undefined || b === undefined) return
    await queue.enqueue('v', [a, b])
    const taken = (await queue.take(LIMITS, 2, { reclaim: false })).deliveries
    await queue.settle(LIMITS, taken.map((d) => ({ delivery: d, outcome: 'ok' as const, deadline: start + 100, status: 'processing' as const })))
    t.same(await queue.dueDeadlines('v', start + 99, 10, 1000), [])
    t.same((await queue.dueDeadlines('v', start + 100, 10, 1000)).sort(), [a.id, b.id].sort())
    t.same(await queue.dueDeadlines('v', start + 200, 10, 1000), [], 'leased to the first sweeper')
    await queue.clearDeadlines('v', [a.id])
    await queue.reindex('v', [{ id: b.id, status: 'complete', createdAt: start }])
    t.same(await queue.dueDeadlines('v', start + 5000, 10, 1000), [], 'cleared, and ended')
  })

  test(`${name}: a vendor's own id for a job finds the job for its callbacks`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    const [job] = jobs(1, start)
    if (job === undefined) return
    await queue.enqueue('v', [job])
    const [d] = (await queue.take(LIMITS, 1, { reclaim: false })).deliveries
    if (d === undefined) return t.fail('nothing taken')
    t.equal(await queue.jobOfRef('v', 'their-42'), undefined)
    await queue.settle(LIMITS, [{ delivery: d, outcome: 'ok', deadline: start + 1000, status: 'processing', ref: { vendorRef: 'their-42', until: Date.now() + 60_000 } }])
    t.equal(await queue.jobOfRef('v', 'their-42'), job.id)
    t.equal(await queue.jobOfRef('w', 'their-42'), undefined, 'per vendor')
  })

  test(`${name}: an entry delivered too often goes to the dead-letter stream instead of back to the queue`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    await queue.enqueue('v', jobs(1, start))
    const [d] = (await queue.take(LIMITS, 1, { reclaim: false })).deliveries
    if (d === undefined) return t.fail('nothing taken')
    await queue.settle(LIMITS, [{ delivery: d, deadLetter: 'delivered 6 times', status: 'failed' }])
    t.same((await queue.take(LIMITS, 10, { reclaim: true })).deliveries, [])
  })

  test(`${name}: a traced job's entry carries its traceparent to each delivery, retries included; an untraced one carries none`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    const [traced, plain] = jobs(2, start)
    if (traced === undefined || plain === undefined) return
    await queue.enqueue('v', [{ ...traced, trace }, plain])
    const first = (await queue.take(LIMITS, 10, { reclaim: false })).deliveries
    t.same(first.map((d) => [d.jobId, d.trace]), [[traced.id, trace], [plain.id, undefined]])
    await queue.settle(LIMITS, first.map((d) => ({ delivery: d, outcome: 'fail' as const, next: { at: start + 100, kind: 'call' as const }, status: 'processing' as const })))
    clock.now = start + 100
    const again = (await queue.take(LIMITS, 10, { reclaim: false })).deliveries
    const retried = new Map(again.map((d) => [d.jobId, d.trace]))
    t.same([retried.size, retried.get(traced.id), retried.get(plain.id)], [2, trace, undefined], 'the retry keeps it')
    await queue.enqueue('v', [{ ...traced, trace, at: start + 5000 }])
    await queue.enqueue('v', [{ ...traced, trace }])
    clock.now = start + 6000
    t.same((await queue.take(LIMITS, 10, { reclaim: false })).deliveries.map((d) => [d.jobId, d.trace]), [[traced.id, trace]], 'a traced intent is taken back like any')
  })

  test(`${name}: a snapshot tells what waits, what is out, the oldest waiting entry, slots, tokens and counts`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    const limits = { ...LIMITS, rateLimit: { perSecond: 10, burst: 5 } }
    const empty = await queue.snapshot(limits)
    t.same(empty, { ready: 0, delayed: 0, delivered: 0, slotsInUse: 0, tokens: 5, breaker: 'closed', counts: { pending: 0, processing: 0, complete: 0, failed: 0 } })
    await queue.enqueue('v', jobs(4, start))
    const [a, b] = (await queue.take(limits, 2, { reclaim: false })).deliveries
    if (a === undefined || b === undefined) return t.fail('nothing taken')
    await queue.settle(limits, [{ delivery: a, outcome: 'fail', next: { at: start + 60_000, kind: 'call' }, status: 'processing' }])
    const snap = await queue.snapshot(limits)
    t.match(snap, { ready: 2, delayed: 1, delivered: 1, slotsInUse: 1, tokens: 3, breaker: 'closed', counts: { pending: 2, processing: 2, complete: 0, failed: 0 } })
    t.equal(snap.oldestReadyAt, start, 'the oldest waiting entry was queued when enqueued, by the queue\'s clock')
    t.notOk('pausedUntil' in snap || 'hold' in snap || 'openUntil' in snap, 'no pause, no open breaker')
    await queue.settle(limits, [{ delivery: b, outcome: 'ok', status: 'complete' }])
    t.match(await queue.snapshot(limits), { delivered: 0, slotsInUse: 0, counts: { processing: 1, complete: 1 } })
  })

  test(`${name}: a snapshot shows a Retry-After pause and the breaker open, then half-open`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    await queue.enqueue('v', jobs(5, start))
    const four = (await queue.take(LIMITS, 4, { reclaim: false })).deliveries
    await queue.settle(LIMITS, four.map((d) => ({ delivery: d, outcome: 'fail' as const, pauseUntil: start + 500, next: { at: start + 60_000, kind: 'call' as const } })))
    t.match(await queue.snapshot(LIMITS), { pausedUntil: start + 500, breaker: 'open', openUntil: start + 1000 })
    clock.now = start + 1000
    const half = await queue.snapshot(LIMITS)
    t.equal(half.breaker, 'half-open')
    t.notOk('pausedUntil' in half, 'the pause is over')
  })

  test(`${name}: an operator's pause stops every take until resumed, a Retry-After pause does not end it, and the resume wakes dispatchers`, { skip }, async (t) => {
    const { queue, clock } = await clocked(t)
    await queue.enqueue('v', jobs(3, start))
    const [d] = (await queue.take(LIMITS, 1, { reclaim: false })).deliveries
    if (d === undefined) return t.fail('nothing taken')
    t.equal(await queue.resume('v'), false, 'nothing to resume')
    await queue.hold('v', 'incident 42')
    await queue.hold('v', 'again')
    t.same((await queue.take(LIMITS, 10, { reclaim: false })).deliveries, [])
    t.equal((await queue.take(LIMITS, 10, { reclaim: false })).blocked, 'paused')
    await queue.settle(LIMITS, [{ delivery: d, pauseUntil: start + 100, next: { at: start + 100, kind: 'call' }, status: 'processing' }])
    clock.now = start + 200
    t.same((await queue.take(LIMITS, 10, { reclaim: false })).deliveries, [], 'the Retry-After pause ended; the operator\'s did not')
    t.match((await queue.snapshot(LIMITS)).hold, { reason: 'incident 42' })
    t.same((await queue.take({ ...LIMITS, name: 'w' }, 10, { reclaim: false })).blocked, 'empty', 'other vendors go on')
    const woken: string[] = []
    const off = queue.onWake((vendor) => woken.push(vendor))
    t.equal(await queue.resume('v'), true)
    for (let i = 0; i < 50 && !woken.includes('v'); i++) await sleep(10)
    off()
    t.ok(woken.includes('v'), 'a dispatcher sleeping on the pause is woken')
    t.notOk('hold' in await queue.snapshot(LIMITS))
    t.equal((await queue.take(LIMITS, 10, { reclaim: false })).deliveries.length, 3, 'the waiting jobs and the retry go, no attempt spent meanwhile')
  })

  test(`${name}: trimming drops the listing entries of expired jobs and keeps the newest of each ended status`, { skip }, async (t) => {
    const { queue } = await clocked(t)
    const old = jobs(2, start - 10_000)
    const recent = jobs(5, start)
    await queue.enqueue('v', [...old, ...recent])
    await queue.reindex('v', recent.slice(0, 4).map((j, i) => ({ id: j.id, status: 'complete' as const, createdAt: start + i })))
    t.equal(await queue.trimIndexes('v', start - 5_000, 2), 4, 'two expired, two complete past the bound')
    t.same((await queue.snapshot(LIMITS)).counts, { pending: 1, processing: 0, complete: 2, failed: 0 })
    t.equal(await queue.trimIndexes('v', start - 5_000, 2), 0, 'nothing more')
  })

  test(`${name}: an expired lease is taken over with the next delivery number, and the stale delivery cannot settle it`, { skip }, async (t) => {
    const [mine, theirs] = await make(t, { leaseMs: 200 })
    const [job] = jobs(1, Date.now())
    if (job === undefined) return
    await mine.enqueue('v', [job])
    const [first] = (await mine.take(LIMITS, 1, { reclaim: false })).deliveries
    if (first === undefined) return t.fail('nothing taken')
    t.same((await theirs.take(LIMITS, 1, { reclaim: true })).deliveries, [], 'a live lease is not taken over')
    await sleep(300)
    const [second] = (await theirs.take(LIMITS, 1, { reclaim: true })).deliveries
    t.match(second, { jobId: job.id, entry: first.entry, deliveries: 2, holder: `${first.entry}#2` })
    t.same(await mine.renew('v', [first]), [first], 'the stale delivery learns it lost its lease')
    await mine.settle(LIMITS, [done(first)])
    await sleep(300)
    const third = (await mine.take(LIMITS, 1, { reclaim: true })).deliveries
    t.match(third, [{ entry: first.entry, deliveries: 3 }], 'the stale settle did not remove what the other held')
  })

  test(`${name}: a lease renewed while the call is on the wire is never taken over`, { skip }, async (t) => {
    const [mine, theirs] = await make(t, { leaseMs: 200 })
    await mine.enqueue('v', jobs(1, Date.now()))
    const [d] = (await mine.take(LIMITS, 1, { reclaim: false })).deliveries
    if (d === undefined) return t.fail('nothing taken')
    for (let i = 0; i < 6; i++) {
      await sleep(80)
      t.same(await mine.renew('v', [d]), [], 'renewed')
      t.same((await theirs.take(LIMITS, 1, { reclaim: true })).deliveries, [])
    }
    await mine.settle(LIMITS, [done(d)])
    await sleep(300)
    t.same((await theirs.take(LIMITS, 1, { reclaim: true })).deliveries, [], 'settled for good')
  })

  test(`${name}: a slot whose lease expired is free again`, { skip }, async (t) => {
    const [mine] = await make(t, { leaseMs: 200 })
    await mine.enqueue('v', jobs(2, Date.now()))
    const limits = { ...LIMITS, concurrency: 1 }
    t.equal((await mine.take(limits, 2, { reclaim: false })).deliveries.length, 1)
    t.same((await mine.take(limits, 2, { reclaim: false })).deliveries, [])
    await sleep(300)
    t.equal((await mine.take(limits, 1, { reclaim: false })).deliveries.length, 1)
  })
}
