import { test } from 'tap'
import { pauseOf, readRateLimit } from '../../vendors/rate-limit.js'

const NOW = 1_700_000_000_000

test("GitHub's X-RateLimit headers: remaining and a reset in epoch seconds", async (t) => {
  const reading = readRateLimit(undefined, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 3) }, NOW)
  t.same(reading, { remaining: 0, resetMs: 3000 })
  t.equal(pauseOf(reading), 3000)
  t.same(readRateLimit(undefined, { 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': String(NOW / 1000 + 3) }, NOW), { remaining: 4999, resetMs: 3000 })
  t.equal(pauseOf({ remaining: 4999, resetMs: 3000 }), undefined, 'calls left: no pause')
  t.same(readRateLimit(undefined, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '20' }, NOW), { remaining: 0, resetMs: 20_000 }, 'a small reset is seconds to wait')
  t.same(readRateLimit(undefined, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 - 5) }, NOW), { remaining: 0, resetMs: 0 }, 'a reset passed')
  t.equal(pauseOf(readRateLimit(undefined, { 'x-ratelimit-remaining': '0' }, NOW)), undefined, 'no reset said: no pause')
})

test('the IETF RateLimit header: the strictest item, its t, or the window of its policy', async (t) => {
  t.same(readRateLimit(undefined, { ratelimit: '"default";r=0;t=30' }, NOW), { remaining: 0, resetMs: 30_000 })
  t.same(readRateLimit(undefined, { ratelimit: '"burst";r=5;t=1, "day";r=0;t=3600' }, NOW), { remaining: 0, resetMs: 3_600_000 })
  t.same(readRateLimit(undefined, { ratelimit: '"day";r=0', 'ratelimit-policy': '"day";q=1000;w=86400' }, NOW), { remaining: 0, resetMs: 86_400_000 })
  t.same(readRateLimit(undefined, { ratelimit: 'limit=100, remaining=0, reset=7' }, NOW), { remaining: 0, resetMs: 7000 }, 'an earlier draft')
  t.same(readRateLimit(undefined, { 'ratelimit-remaining': '0', 'ratelimit-reset': '12' }, NOW), { remaining: 0, resetMs: 12_000 }, 'the separate draft headers')
})

test('names and the reset format can be configured, or the headers ignored', async (t) => {
  const headers = { 'x-rate-left': '0', 'x-rate-reset': '1700000090', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '5' }
  t.same(readRateLimit({ remaining: 'X-Rate-Left', reset: 'X-Rate-Reset' }, headers, NOW), { remaining: 0, resetMs: 90_000 })
  t.same(readRateLimit({ resetFormat: 'epoch-seconds' }, headers, NOW), { remaining: 0, resetMs: 0 }, 'told epoch: 5 is long past')
  t.same(readRateLimit({ reset: 'X-Rate-Reset', resetFormat: 'delta-seconds' }, { 'x-ratelimit-remaining': '0', 'x-rate-reset': '2' }, NOW), { remaining: 0, resetMs: 2000 })
  t.same(readRateLimit(false, headers, NOW), {})
  t.same(readRateLimit(undefined, { 'x-ratelimit-remaining': 'lots' }, NOW), {}, 'garbage is no reading')
})
