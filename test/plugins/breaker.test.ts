import { Redis } from 'ioredis'
import t, { test } from 'tap'
import { createMemoryBreaker } from '../../plugins/breaker/memory.js'
import { CLOSED_TRUST_MS, createRedisBreaker } from '../../plugins/breaker/redis.js'
import type { Breaker } from '../../plugins/breaker/types.js'
import { redisKeys } from '../../plugins/redis/keys.js'
import { defineScripts } from '../../plugins/redis/scripts.js'
import type { BreakerPolicy } from '../../vendors/config.js'
import { redisFor, skipWithoutRedis, type Teardown } from '../redis-server.js'

const skip = skipWithoutRedis(t)
const policy: BreakerPolicy = { minCalls: 4, failureRatio: 0.5, windowMs: 10_000, halfOpenAfterMs: 1_000, probes: 1 }

async function redisBreaker (t: Teardown): Promise<Breaker> {
  const { url, prefix } = await redisFor(t)
  const redis = new Redis(url)
  t.teardown(() => redis.disconnect())
  defineScripts(redis)
  return createRedisBreaker(redis, redisKeys(prefix))
}

const backends: Array<[string, (t: Teardown) => Promise<Breaker>, false | string]> = [
  ['memory', async () => createMemoryBreaker(), false],
  ['redis', redisBreaker, skip]
]

async function fail (b: Breaker, n: number, now: number, vendor = 'v'): Promise<string> {
  let state = 'closed'
  for (let i = 0; i < n; i++) state = await b.record(vendor, policy, 'fail', false, now)
  return state
}

for (const [name, make, skipIt] of backends) {
  test(`${name}: the breaker stays closed until the window holds the minimum calls at the failure ratio`, { skip: skipIt }, async (t) => {
    const b = await make(t)
    t.equal(await fail(b, 3, 1_000_000), 'closed', 'three failures are fewer than the minimum')
    t.equal(await b.record('v', policy, 'ok', false, 1_000_000), 'open', 'the fourth call makes 3 of 4 failed')
    const other = await make(t)
    for (let i = 0; i < 3; i++) await other.record('v', policy, 'ok', false, 1_000_000)
    t.equal(await fail(other, 2, 1_000_000), 'closed', '2 failures of 5 calls is under half')
  })

  test(`${name}: failures older than the window do not count`, { skip: skipIt }, async (t) => {
    const b = await make(t)
    await fail(b, 3, 1_000_000)
    t.equal(await fail(b, 1, 1_000_000 + 11_000), 'closed')
  })

  test(`${name}: an open breaker refuses calls until half-open, then lets one probe through per interval`, { skip: skipIt }, async (t) => {
    const b = await make(t)
    const now = 2_000_000
    await fail(b, 4, now)
    t.same(await b.permit('v', policy, now + 10), { call: false, retryAt: now + 1000 })
    t.same(await b.permit('other', policy, now + 10), { call: true, probe: false }, 'vendors are independent')
    t.same(await b.permit('v', policy, now + 1000), { call: true, probe: true })
    const refused = await b.permit('v', policy, now + 1001)
    t.equal(refused.call, false, 'a second probe in the same interval is refused')
  })

  test(`${name}: a failed probe reopens the breaker and a successful one closes it`, { skip: skipIt }, async (t) => {
    const b = await make(t)
    const now = 3_000_000
    await fail(b, 4, now)
    await b.permit('v', policy, now + 1000)
    t.equal(await b.record('v', policy, 'fail', true, now + 1100), 'open')
    t.same(await b.permit('v', policy, now + 1200), { call: false, retryAt: now + 2100 })
    t.same(await b.permit('v', policy, now + 2200), { call: true, probe: true })
    t.equal(await b.record('v', policy, 'ok', true, now + 2300), 'closed')
    t.same(await b.permit('v', policy, now + 2301), { call: true, probe: false })
    t.equal(await fail(b, 1, now + 2302), 'closed', 'and its counts start afresh')
  })
}

test('redis: a worker trusts a closed breaker for a moment, then sees it opened by another worker', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const connect = (): Redis => {
    const redis = new Redis(url)
    t.teardown(() => redis.disconnect())
    defineScripts(redis)
    return redis
  }
  const mine = createRedisBreaker(connect(), redisKeys(prefix))
  const theirs = createRedisBreaker(connect(), redisKeys(prefix))
  const now = 4_000_000
  t.same(await mine.permit('v', policy, now), { call: true, probe: false })
  await fail(theirs, 4, now + 1)
  t.same(await mine.permit('v', policy, now + CLOSED_TRUST_MS - 1), { call: true, probe: false }, 'still trusted')
  t.same(await mine.permit('v', policy, now + CLOSED_TRUST_MS), { call: false, retryAt: now + 1 + 1000 }, 'then asked again')
  t.same(await theirs.permit('v', policy, now + 2), { call: false, retryAt: now + 1001 }, 'the worker that opened it stops at once')
})
