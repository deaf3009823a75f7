import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import type { Delivery, DispatchQueue, VendorLimits } from '../../../core/dispatch/queue.js'
import { bucketMs } from '../../../core/dispatch/spend.js'
import { LIMITS, type MakeQueues } from './queue-contract.js'

const jobs = (n: number, createdAt: number, team: string) => Array.from({ length: n }, () => ({ id: randomUUID(), createdAt, team }))
/** Takes until nothing more is handed out: a team that runs out of budget during a take has its jobs failed by the next. */
async function takeAll (queue: DispatchQueue, limits: VendorLimits): Promise<Delivery[]> {
  const all: Delivery[] = []
  for (;;) {
    const { deliveries } = await queue.take(limits, 20, { reclaim: false })
    if (deliveries.length === 0) return all
    all.push(...deliveries)
  }
}
const count = (deliveries: Delivery[], team: string, kind: Delivery['kind']): number => deliveries.filter((d) => d.team === team && d.kind === kind).length

/** A call of `v` reserves 3 micros (a call of 1, a result of 2); `capped` may spend 30 in any minute, all its vendors together. */
const RESERVE = 3
const WINDOW = 60_000
const budgeted = (rules: VendorLimits['budgets'], name = 'v'): VendorLimits =>
  ({ ...LIMITS, name, concurrency: 1000, reserve: RESERVE, vendors: ['v', 'w'], ...(rules === undefined ? {} : { budgets: rules }) })
const TEAM_BUDGET = new Map([['capped', [{ limit: 10 * RESERVE, windowMs: WINDOW, team: true }]]])

/**
 * What every dispatch queue does with costs and budgets (DESIGN "Spend (v3)"); each backend's test file
 * runs it against its own. `acrossVendors`: a team's budget over all its vendors is exact (not on a
 * Redis Cluster, where each vendor's take reads only its own slot).
 */
export function budgetContract (name: string, skip: false | string, make: MakeQueues, { acrossVendors = true } = {}): void {
  const start = 1_800_000_000_000

  test(`${name}: two workers taking at once grant a team only the calls its budget can pay for, and hand out the rest to fail; another team is unaffected`, { skip }, async (t) => {
    const clock = { now: start }
    const [a, b] = await make(t, { clock })
    await a.enqueue('v', [...jobs(25, start, 'capped'), ...jobs(5, start, 'free')])
    const limits = budgeted(TEAM_BUDGET)
    const takes = await Promise.all([a.take(limits, 16, { reclaim: false }), b.take(limits, 16, { reclaim: false }), a.take(limits, 16, { reclaim: false })])
    const all = takes.flatMap((take) => take.deliveries)
    t.equal(count(all, 'capped', 'call'), 10, 'exactly what 30 micros pay for at 3 each')
    t.equal(count(all, 'capped', 'budget'), 15, 'the rest handed out to fail, with no grant')
    t.equal(count(all, 'free', 'call'), 5, 'the team without a budget gets every call')
    t.ok(all.filter((d) => d.kind === 'call' && d.team === 'capped').every((d) => d.reserved?.micros === RESERVE), 'each call carries its reservation')
    t.ok(all.filter((d) => d.kind === 'budget').every((d) => d.reserved === undefined && d.leave === undefined), 'a budget failure carries no grant')
    const spend = await a.spend('v', [{ team: 'capped', windowMs: WINDOW }])
    t.equal(spend.windowed[0], 30, 'the ledger holds the reservations')
    t.equal(spend.totals.get('free'), 15, 'a team without a budget has its spend counted too')
  })

  test(`${name}: a team over its budget does not hold up the others: its jobs fail beside their calls, using none of the vendor's grants`, { skip }, async (t) => {
    const clock = { now: start }
    const [queue] = await make(t, { clock })
    // A call or two a second; `broke` cannot pay for one, and its backlog is far deeper than a take.
    const limits = { ...budgeted(new Map([['broke', [{ limit: 0, windowMs: WINDOW, team: true }]]])), rateLimit: { perSecond: 2, burst: 2 } }
    // Named to come first when the passes tie.
    await queue.enqueue('v', [...jobs(50, start, 'broke'), ...jobs(2, start, 'steady')])
    const first = (await queue.take(limits, 20, { reclaim: false })).deliveries
    const calls = count(first, 'steady', 'call')
    t.ok(calls >= 1, `the other team's calls get the vendor's grants (${calls})`)
    t.equal(count(first, 'broke', 'budget'), calls, 'beside as many of the broke team\'s jobs failed')
  })

  test(`${name}: settling gives back what a call did not spend, and the budget pays for that many more calls`, { skip }, async (t) => {
    const clock = { now: start }
    const [queue] = await make(t, { clock })
    await queue.enqueue('v', jobs(10, start, 'capped'))
    const limits = budgeted(TEAM_BUDGET)
    const taken = (await queue.take(limits, 20, { reclaim: false })).deliveries
    t.equal(taken.length, 10)
    // 4 calls failed (the call paid, the result given back), 2 never reached the vendor, 4 completed.
    await queue.settle(limits, taken.map((d, i) => ({ delivery: d, status: 'complete', ...(i < 4 ? { spent: 1 } : i < 6 ? {} : { spent: RESERVE }) })))
    const spend = await queue.spend('v', [{ team: 'capped', windowMs: WINDOW }])
    t.equal(spend.windowed[0], 4 * 1 + 4 * RESERVE, 'the ledger holds what was spent')
    t.equal(spend.totals.get('capped'), 16)
    await queue.enqueue('v', jobs(6, start, 'capped'))
    const more = await takeAll(queue, limits)
    t.equal(count(more, 'capped', 'call'), 4, '14 micros left pay for 4 more calls')
    t.equal(count(more, 'capped', 'budget'), 2)
  })

  /** A queue with one job of the capped team taken under the team's budget. */
  const oneTaken = async (t: Parameters<MakeQueues>[0]) => {
    const [queue] = await make(t, { clock: { now: start } })
    const limits = budgeted(TEAM_BUDGET)
    await queue.enqueue('v', jobs(1, start, 'capped'))
    const [d] = (await queue.take(limits, 5, { reclaim: false })).deliveries
    return { queue, limits, d }
  }

  test(`${name}: a settlement sent again gives nothing back twice`, { skip }, async (t) => {
    const { queue, limits, d } = await oneTaken(t)
    if (d === undefined) return t.fail('nothing taken')
    const failed = { delivery: d, status: 'failed' as const, spent: 1 }
    await queue.settle(limits, [failed])
    await queue.settle(limits, [failed])
    t.equal((await queue.spend('v', [{ team: 'capped', windowMs: WINDOW }])).windowed[0], 1, 'the call, once')
  })

  test(`${name}: a budget holds in its sliding window and pays again once the spend left it`, { skip }, async (t) => {
    const clock = { now: start }
    const [queue] = await make(t, { clock })
    const limits = budgeted(TEAM_BUDGET)
    await queue.enqueue('v', jobs(10, start, 'capped'))
    t.equal((await queue.take(limits, 20, { reclaim: false })).deliveries.length, 10)
    clock.now = start + WINDOW - bucketMs(WINDOW)
    await queue.enqueue('v', jobs(1, clock.now, 'capped'))
    t.match((await queue.take(limits, 20, { reclaim: false })).deliveries, [{ kind: 'budget' }], 'still inside the window')
    clock.now = start + WINDOW + bucketMs(WINDOW)
    await queue.enqueue('v', jobs(1, clock.now, 'capped'))
    t.match((await queue.take(limits, 20, { reclaim: false })).deliveries, [{ kind: 'call' }], 'the spend left the window')
  })

  test(`${name}: a team's budget on one vendor bounds only that vendor's calls`, { skip }, async (t) => {
    const clock = { now: start }
    const [queue] = await make(t, { clock })
    const rules = new Map([['capped', [{ limit: 2 * RESERVE, windowMs: WINDOW, team: false }]]])
    await queue.enqueue('v', jobs(3, start, 'capped'))
    await queue.enqueue('w', jobs(3, start, 'capped'))
    const v = await takeAll(queue, budgeted(rules))
    t.same([count(v, 'capped', 'call'), count(v, 'capped', 'budget')], [2, 1])
    const w = (await queue.take({ ...budgeted(undefined, 'w') }, 10, { reclaim: false })).deliveries
    t.equal(count(w, 'capped', 'call'), 3, 'another vendor without that budget')
  })

  test(`${name}: a call that never left is given back whole, and a takeover reserves nothing more`, { skip }, async (t) => {
    const { queue, limits, d } = await oneTaken(t)
    if (d === undefined) return t.fail('nothing taken')
    await queue.settle(limits, [{ delivery: d, regrant: true, next: { at: start, kind: 'call' }, status: 'processing' }])
    t.equal((await queue.spend('v', [{ team: 'capped', windowMs: WINDOW }])).windowed[0], 0)
  })

  if (acrossVendors) {
    test(`${name}: a team's own budget counts its spend on all its vendors`, { skip }, async (t) => {
      const clock = { now: start }
      const [queue] = await make(t, { clock })
      await queue.enqueue('w', jobs(7, start, 'capped'))
      t.equal((await queue.take(budgeted(TEAM_BUDGET, 'w'), 10, { reclaim: false })).deliveries.length, 7)
      await queue.enqueue('v', jobs(5, start, 'capped'))
      const v = await takeAll(queue, budgeted(TEAM_BUDGET))
      t.same([count(v, 'capped', 'call'), count(v, 'capped', 'budget')], [3, 2], '21 of 30 spent on w: 3 calls of v left')
    })
  }
}
