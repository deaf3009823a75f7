import { test } from 'tap'
import { msUntilNextWindow, planWindows, windowIndex } from '../../vendors/rate-windows.js'

test('the defaults count in windows of half a burst each', async (t) => {
  t.same(planWindows({ perSecond: 100, burst: 20 }), { windowMs: 100, points: 10 })
  t.same(planWindows({ perSecond: 50, burst: 10 }), { windowMs: 100, points: 5 })
  t.same(planWindows({ perSecond: 20, burst: 5 }), { windowMs: 100, points: 2 })
  t.same(planWindows({ perSecond: 5, burst: 50 }), { windowMs: 1000, points: 5 })
})

/** Fills every window to its points, as eager workers would, and counts the busiest sliding second. */
function busiestSecond (perSecond: number, burst: number): { busiest: number, sustained: number } {
  const plan = planWindows({ perSecond, burst })
  const calls: number[] = []
  for (let w = 0; w < 20; w++) {
    // all of a window's calls at its very end, then the next window's at its very start: the worst case
    const at = w % 2 === 0 ? (w + 1) * plan.windowMs - 0.001 : w * plan.windowMs
    for (let i = 0; i < plan.points; i++) calls.push(at)
  }
  let busiest = 0
  for (const start of calls) busiest = Math.max(busiest, calls.filter((c) => c >= start && c < start + 1000).length)
  return { busiest, sustained: plan.points * (1000 / plan.windowMs) }
}

test('no sliding second ever holds more than the limit plus half the burst, the rest being headroom', async (t) => {
  for (const [perSecond, burst] of [[100, 20], [50, 10], [20, 5], [25, 10], [7, 3], [30, 20], [1, 1], [10, 100]] as const) {
    const { busiest, sustained } = busiestSecond(perSecond, burst)
    t.ok(busiest <= perSecond + Math.ceil(burst / 2), `${perSecond}/s burst ${burst}: busiest second ${busiest}`)
    t.ok(sustained <= perSecond && sustained >= perSecond * 0.75, `${perSecond}/s burst ${burst}: sustained ${sustained}`)
  }
})

test('windows are aligned to the clock so that every process counts into the same one', async (t) => {
  const plan = planWindows({ perSecond: 20, burst: 5 })
  t.equal(windowIndex(plan, 1_000_099), windowIndex(plan, 1_000_000))
  t.not(windowIndex(plan, 1_000_100), windowIndex(plan, 1_000_099))
  t.equal(msUntilNextWindow(plan, 1_000_030), 70)
})
