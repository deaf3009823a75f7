import { test } from 'tap'
import { grantTokens, parseDuration, quotaRoom } from '../../../core/dispatch/limits.js'
import { busiest } from '../../helper.js'

/** Grants one call at a time, as fast as the bucket allows, and returns the grant times. */
function drain (perSecond: number, burst: number, marginMs: number, untilMs: number, stepMs = 1): number[] {
  const times: number[] = []
  let tat: number | undefined
  for (let now = 0; now <= untilMs; now += stepMs) {
    const grant = grantTokens(tat, now, perSecond, burst, marginMs, 1)
    tat = grant.tat
    if (grant.granted === 1) times.push(now)
  }
  return times
}

test('a full bucket grants its burst at once, then one call per interval', async (t) => {
  const first = grantTokens(undefined, 1000, 10, 5, 0, 100)
  t.equal(first.granted, 5, 'the burst')
  t.equal(first.nextAt, 1100, 'the next token after one interval')
  t.equal(grantTokens(first.tat, 1099, 10, 5, 0, 1).granted, 0)
  t.equal(grantTokens(first.tat, 1100, 10, 5, 0, 1).granted, 1)
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

test('the margin spaces grants so that calls arriving up to that late still keep the limit', async (t) => {
  const margin = 50
  const times = drain(1, 1, margin, 10_000)
  for (let i = 1; i < times.length; i++) t.ok((times[i] ?? 0) - (times[i - 1] ?? 0) >= 1000 + margin, `gap ${i}`)
  // Worst case: one call arrives `margin` late, the next on time; both still a full second apart.
  const arrivals = times.map((time, i) => time + (i % 2 === 0 ? margin : 0))
  t.equal(busiest(arrivals, 1000), 1, 'never two calls in one sliding second at the vendor')
  t.ok(drain(100, 20, margin, 10_000).length >= 1000, 'a bucket with room to spare keeps its full rate')
})

test('a sliding-window quota has room until its limit, then until the oldest call leaves the window', async (t) => {
  t.same(quotaRoom([], 1000, 3, 10_000, 0), { room: 3, nextAt: 1000 })
  t.same(quotaRoom([100, 200], 1000, 3, 10_000, 0), { room: 1, nextAt: 1000 })
  t.same(quotaRoom([100, 200, 300], 1000, 3, 10_000, 0), { room: 0, nextAt: 10_100 })
  t.same(quotaRoom([100, 200, 300], 10_100, 3, 10_000, 0), { room: 1, nextAt: 10_100 }, 'a call exactly a window later no longer counts')
  t.same(quotaRoom([100, 200, 300], 10_100, 3, 10_000, 50), { room: 0, nextAt: 10_150 }, 'the margin widens the window')
})

test('durations are read in ms, s, m, h and d, or as milliseconds', async (t) => {
  t.equal(parseDuration('10s'), 10_000)
  t.equal(parseDuration('1m'), 60_000)
  t.equal(parseDuration('1h'), 3_600_000)
  t.equal(parseDuration('1d'), 86_400_000)
  t.equal(parseDuration('250ms'), 250)
  t.equal(parseDuration('1.5s'), 1500)
  t.equal(parseDuration(2500), 2500)
  for (const bad of ['', '10', '1w', '-1s', '0s', 's', 0, -5, 1.5]) t.equal(parseDuration(bad), undefined, JSON.stringify(bad))
})
