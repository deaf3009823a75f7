import fc from 'fast-check'
import { test } from 'tap'
import { createMockStats } from '../../../vendors/mock/stats.js'

/** Stats on a clock the test moves by hand. */
function statsAt (keptArrivals?: number) {
  let now = 0
  const stats = createMockStats({ now: () => now, keptArrivals })
  return { stats, at (ms: number) { now = ms } }
}

/** Stats that received one call at each of `times`, in order. */
function arrivedAt (times: number[], keptArrivals?: number) {
  const { stats, at } = statsAt(keptArrivals)
  times.forEach((ms, i) => {
    at(ms)
    stats.record(`job-${i}`)
  })
  return stats
}

test('the busiest sliding second is counted exactly, across fixed-second edges', async (t) => {
  const { stats, at } = statsAt()
  for (const ms of [0, 900, 1500]) {
    at(ms)
    for (let i = 0; i < 5; i++) stats.record(`job-${ms}-${i}`)
  }
  t.equal(stats.snapshot().maxPerSecond, 10, '0..900 and 900..1500 hold 10 each, never 15')
})

test('calls exactly one second apart are not in the same second', async (t) => {
  const { stats, at } = statsAt()
  for (const ms of [0, 1000, 2000]) {
    at(ms)
    stats.record('job')
  }
  t.equal(stats.snapshot().maxPerSecond, 1)
  at(2999.9)
  stats.record('job')
  t.equal(stats.snapshot().maxPerSecond, 2)
})

test('a steady rate is seen as that rate, however long it runs', async (t) => {
  const { stats, at } = statsAt()
  for (let i = 0; i < 5000; i++) {
    at(i * 10)
    stats.record(`job-${i}`)
  }
  t.equal(stats.snapshot().maxPerSecond, 100)
})

test('calls are counted per request, with the times of the last ten', async (t) => {
  const stats = createMockStats()
  const before = Date.now()
  for (let i = 0; i < 12; i++) stats.record('retried')
  stats.record('once')
  t.match(stats.snapshot(), { received: 13, distinctRequests: 2, maxCallsPerRequest: 12 })
  const times = stats.callTimes('retried')
  t.equal(times.length, 10)
  t.ok(times.every((time) => time >= before && time <= Date.now()), 'wall-clock times')
  t.same(stats.forRequest('once'), { request_id: 'once', calls: 1, times: stats.callTimes('once') })
  t.same(stats.forRequest('unknown'), { request_id: 'unknown', calls: 0, times: [] })
})

test('webhook outcomes are counted, and a reset starts everything over', async (t) => {
  const stats = createMockStats()
  stats.record('a')
  stats.webhook('sent')
  stats.webhook('sent')
  stats.webhook('rejected')
  stats.webhook('failed')
  t.match(stats.snapshot(), { webhooksSent: 2, webhooksRejected: 1, webhooksFailed: 1 })
  stats.reset()
  t.same(stats.snapshot(), {
    received: 0,
    distinctRequests: 0,
    maxCallsPerRequest: 0,
    maxPerSecond: 0,
    open: 0,
    maxOpen: 0,
    arrivalsKept: 0,
    webhooksSent: 0,
    webhooksRejected: 0,
    webhooksFailed: 0
  })
  t.same(stats.callTimes('a'), [])
})

test('the busiest window of any length is counted exactly at its edges', async (t) => {
  const stats = arrivedAt([0, 100, 200, 300, 300, 1000])
  t.equal(stats.maxInWindow(100), 2, 'calls exactly 100 ms apart are not in one 100 ms window; the two at 300 are')
  t.equal(stats.maxInWindow(100.5), 3, '200, 300 and 300')
  t.equal(stats.maxInWindow(300), 4, '100 to 300')
  t.equal(stats.maxInWindow(301), 5, '0 to 300')
  t.equal(stats.maxInWindow(1000), 5, '1000 is exactly 1000 ms after 0')
  t.equal(stats.maxInWindow(1001), 6)
  t.equal(stats.maxInWindow(1000), stats.snapshot().maxPerSecond, 'a 1000 ms window is the sliding second')
  t.throws(() => stats.maxInWindow(0), RangeError)
})

test('maxInWindow is the most arrivals that any window of its length holds, for any arrivals', async (t) => {
  const arrivals = fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 200 }).map((times) => times.sort((a, b) => a - b))
  fc.assert(fc.property(arrivals, fc.integer({ min: 1, max: 6_000 }), (times, ms) => {
    // A window [start, start + ms) that holds the most arrivals can start on one of them.
    const byBruteForce = Math.max(0, ...times.map((start) => times.filter((time) => time >= start && time < start + ms).length))
    const stats = arrivedAt(times)
    return stats.maxInWindow(ms) === byBruteForce && stats.snapshot(ms).maxInWindow === byBruteForce &&
      stats.maxInWindow(1000) === stats.snapshot().maxPerSecond
  }))
  t.pass('held for every generated case')
})

test('only the latest arrivals are kept for maxInWindow, while maxPerSecond covers the whole run', async (t) => {
  const stats = arrivedAt(Array.from({ length: 5000 }, (_, i) => i), 1000)
  t.match(stats.snapshot(60_000), { received: 5000, arrivalsKept: 1000, maxInWindow: 1000, maxPerSecond: 1000 })
  const bursts = arrivedAt([...Array.from({ length: 1500 }, () => 0), ...Array.from({ length: 1200 }, () => 2000)], 100)
  t.match(bursts.snapshot(1000), { arrivalsKept: 100, maxInWindow: 100, maxPerSecond: 1500 }, 'seconds busier than what is kept')
})

test('a call is open until it is closed, once, and the most open at once is kept', async (t) => {
  const stats = createMockStats()
  const [a, b, c] = [stats.opened(), stats.opened(), stats.opened()]
  t.match(stats.snapshot(), { open: 3, maxOpen: 3 })
  a()
  a()
  t.match(stats.snapshot(), { open: 2, maxOpen: 3 }, 'closing twice counts once')
  stats.reset()
  t.match(stats.snapshot(), { open: 2, maxOpen: 2 }, 'a reset keeps the calls still open')
  b()
  c()
  stats.opened()
  t.match(stats.snapshot(), { open: 1, maxOpen: 2 })
})
