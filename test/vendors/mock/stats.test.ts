import { test } from 'tap'
import { createMockStats } from '../../../vendors/mock/stats.js'

/** Stats on a clock the test moves by hand. */
function statsAt () {
  let now = 0
  const stats = createMockStats(() => now)
  return { stats, at (ms: number) { now = ms } }
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
    webhooksSent: 0,
    webhooksRejected: 0,
    webhooksFailed: 0
  })
  t.same(stats.callTimes('a'), [])
})
