import fc from 'fast-check'
import { test } from 'tap'
import { bucketOf, departureWindow, grantTokens, quotaLeave, quotaMargin, quotaRoom } from '../../../core/dispatch/limits.js'
import { busiest } from '../../helper.js'

/**
 * Grants as fast as the bucket allows, asking every `stepMs` for up to `want`: each grant's time and when,
 * in ms after it, its call may leave.
 */
function grants (perSecond: number, burst: number, marginMs: number, untilMs: number, stepMs = 1, want = 1): Array<{ at: number, after: number, within: number }> {
  const bucket = bucketOf({ perSecond, burst }, marginMs)
  const granted: Array<{ at: number, after: number, within: number }> = []
  let tat: number | undefined
  for (let now = 0; now <= untilMs; now += stepMs) {
    const grant = grantTokens(tat, now, bucket, want)
    tat = grant.tat
    for (let i = 0; i < grant.granted; i++) granted.push({ at: now, ...departureWindow(bucket, grant.from, i, now) })
  }
  return granted
}

/** When each granted call may first leave. */
const drain = (...args: Parameters<typeof grants>): number[] => grants(...args).map((g) => g.at + g.after)

/** The busiest window a vendor with this bucket counts in (a second, or one interval), and what its bucket lets into it. */
function vendorWindow (perSecond: number, burst: number): { windowMs: number, allowed: number } {
  const windowMs = Math.max(1000, 1000 / perSecond)
  return { windowMs, allowed: Math.ceil(perSecond * windowMs / 1000 - 1e-9) + burst - 1 }
}

test('a full bucket grants its burst at once, then one call per interval', async (t) => {
  const bucket = bucketOf({ perSecond: 10, burst: 5 }, 0)
  const first = grantTokens(undefined, 1000, bucket, 100)
  t.equal(first.granted, 5, 'the burst')
  t.equal(first.nextAt, 1100, 'the next token after one interval')
  t.equal(grantTokens(first.tat, 1099, bucket, 1).granted, 0)
  t.equal(grantTokens(first.tat, 1100, bucket, 1).granted, 1)
})

test('a fractional rate is kept: 0.5/s is one call every two seconds', async (t) => {
  const times = drain(0.5, 1, 0, 10_000, 10)
  t.same(times, [0, 2000, 4000, 6000, 8000, 10_000])
})

test('over time the bucket grants its rate plus its burst, never more, in any window', async (t) => {
  const times = drain(20, 5, 0, 20_000)
  t.ok(times.length <= 20 * 20 + 5, `${times.length} grants in 20 s`)
  t.ok(times.length >= 20 * 20, 'and the full rate is used')
  t.ok(busiest(times, 1000) <= 20 + 5 - 1, `busiest second: ${busiest(times, 1000)}`)
})

test('calls leaving anywhere in their windows and taking up to the rest of the margin to arrive never fill a vendor window past its bucket', async (t) => {
  fc.assert(fc.property(
    fc.record({
      perSecond: fc.oneof(fc.constantFrom(0.5, 1, 4, 20, 100), fc.double({ min: 0.2, max: 200, noNaN: true })),
      burst: fc.integer({ min: 1, max: 30 }),
      marginMs: fc.integer({ min: 0, max: 200 }),
      want: fc.integer({ min: 1, max: 64 }),
      stepMs: fc.integer({ min: 1, max: 40 }),
      seed: fc.integer()
    }),
    ({ perSecond, burst, marginMs, want, stepMs, seed }) => {
      const granted = grants(perSecond, burst, marginMs, 12_000, stepMs, want)
      // Each call leaves anywhere from its grant to the last moment it may, in any order.
      let x = seed
      const late = (): number => { x = (x * 1103515245 + 12345) & 0x7fffffff; return (x % 1000) / 999 }
      // The way to the vendor: the margin less what a worker may take to leave (twice the catch-up).
      const way = marginMs - bucketOf({ perSecond, burst }, marginMs).catchUpMs * 2
      const arrivals = granted.map((g) => g.at + g.after + late() * (g.within - g.after) + late() * way).sort((a, b) => a - b)
      const { windowMs, allowed } = vendorWindow(perSecond, burst)
      return granted.every((g) => g.after >= 0 && g.within >= g.after) && busiest(arrivals, windowMs) <= allowed
    }), { numRuns: 300 })
  t.pass('300 random buckets, margins and departures held')
})

test('the margin is paid once per window, not per call: at least 95% of the rate for every burst', async (t) => {
  for (const [perSecond, burst] of [[1, 1], [4, 1], [20, 1], [20, 5], [100, 20], [0.5, 1]] as const) {
    const seconds = 60
    // A dispatcher asks again a little after the bucket said it may: its timer, a round trip to Redis.
    const left = drain(perSecond, burst, 50, seconds * 1000, 3).filter((at) => at <= seconds * 1000)
    const rate = (left.length - burst) / seconds
    t.ok(rate >= 0.95 * perSecond && rate <= perSecond, `${perSecond}/s, burst ${burst}: ${rate.toFixed(3)}/s granted`)
  }
})

test('a bucket shaped for the margin grants whole bursts that fit the window with it', async (t) => {
  t.match(bucketOf({ perSecond: 20, burst: 1 }, 50), { interval: 52.5, tolerance: 0, lookaheadMs: 100 }, 'burst 1: spaced by a twentieth of the window and its margin')
  t.match(bucketOf({ perSecond: 20, burst: 5 }, 50), { interval: 50, tolerance: 150 }, 'burst 5: the full rate, one call of the burst kept for lateness')
  t.match(bucketOf({ perSecond: 1, burst: 1 }, 0), { interval: 1000, tolerance: 0 }, 'no margin: the vendor\'s own bucket')
})

test('a large burst gives its calls longer to leave, and a quota no longer than its own margin', async (t) => {
  t.match(bucketOf({ perSecond: 20, burst: 4 }, 40), { interval: 50, tolerance: 110, leaveMs: 20 }, 'a burst under 5 keeps every call: the margin only')
  const large = bucketOf({ perSecond: 100, burst: 50 }, 40)
  t.match(large, { interval: 10, tolerance: 370, leaveMs: 100 }, 'a quarter of a burst of 50: 120 ms of jitter, of which 100 to leave')
  t.equal(bucketOf({ perSecond: 1000, burst: 10_000 }, 40).leaveMs, 980, 'up to a second of jitter')
  t.same(departureWindow(large, 0, 0, 0), { after: 0, within: 100 })
  t.same(departureWindow(large, 0, 0, 0, quotaLeave(40, [{ windowMs: 5000 }], undefined)), { after: 0, within: 100 }, 'a 5 s quota pays 125 ms: its calls may leave up to 105 ms late')
  t.same(departureWindow(large, 0, 0, 0, quotaLeave(40, [{ windowMs: 5000 }], [{ windowMs: 1000 }])), { after: 0, within: 20 }, 'a team\'s 1 s quota pays the margin only')
  t.equal(quotaLeave(40), Number.POSITIVE_INFINITY, 'no quota: no bound of its own')
})

test('a slot is granted up to the lookahead before its time, and its call may leave only then', async (t) => {
  const bucket = bucketOf({ perSecond: 1, burst: 1 }, 50)
  const first = grantTokens(undefined, 0, bucket, 5)
  t.equal(first.granted, 1)
  t.same(departureWindow(bucket, first.from, 0, 0), { after: 0, within: 25 }, 'the first at once, within half the margin')
  t.equal(first.nextAt, 1050 - 100, 'the next asked for 100 ms ahead of its slot')
  t.equal(grantTokens(first.tat, 949, bucket, 1).granted, 0)
  const second = grantTokens(first.tat, 950, bucket, 5)
  t.equal(second.granted, 1)
  t.same(departureWindow(bucket, second.from, 0, 950), { after: 100, within: 125 }, 'held until its slot, then as long to leave')
  const late = grantTokens(second.tat, 2110, bucket, 1)
  t.same(departureWindow(bucket, late.from, 0, 2110), { after: 0, within: 15 }, 'asked 10 ms after its slot: still its slot, with less time to leave')
})

test('a sliding-window quota has room until its limit, then until the oldest call leaves the window', async (t) => {
  t.same(quotaRoom([], 1000, 3, 10_000, 0), { room: 3, nextAt: 1000 })
  t.same(quotaRoom([100, 200], 1000, 3, 10_000, 0), { room: 1, nextAt: 1000 })
  t.same(quotaRoom([100, 200, 300], 1000, 3, 10_000, 0), { room: 0, nextAt: 10_100 })
  t.same(quotaRoom([100, 200, 300], 10_100, 3, 10_000, 0), { room: 1, nextAt: 10_100 }, 'a call exactly a window later no longer counts')
  t.same(quotaRoom([100, 200, 300], 10_100, 3, 10_000, 50), { room: 0, nextAt: 10_150 }, 'the margin widens the window')
})

test('a quota pays a margin of its own: the worker\'s, or a fortieth of its window up to a second', async (t) => {
  t.equal(quotaMargin(1000, 50), 50)
  t.equal(quotaMargin(8000, 50), 200)
  t.equal(quotaMargin(86_400_000, 50), 1000)
  t.equal(quotaMargin(5000, 300), 300)
})
