import { test } from 'tap'
import { breakerRoom, newBreakerState, recordOutcome, takeProbes } from '../../../core/dispatch/breaker.js'
import type { BreakerPolicy } from '../../../vendors/config.js'

const policy: BreakerPolicy = { minCalls: 4, failureRatio: 0.5, windowMs: 10_000, halfOpenAfterMs: 1_000, probes: 1 }

test('the breaker stays closed until the window holds the minimum calls at the failure ratio', async (t) => {
  const state = newBreakerState()
  const now = 1_000_000
  for (let i = 0; i < 3; i++) t.equal(recordOutcome(state, policy, 'fail', false, now), false, `failure ${i + 1} of too few calls`)
  t.equal(recordOutcome(state, policy, 'ok', false, now), true, 'the fourth call makes 3 of 4 failed')
  const other = newBreakerState()
  for (let i = 0; i < 3; i++) recordOutcome(other, policy, 'ok', false, now)
  recordOutcome(other, policy, 'fail', false, now)
  t.equal(recordOutcome(other, policy, 'fail', false, now), false, '2 failures of 5 calls is under half')
})

test('failures older than the window do not count', async (t) => {
  const state = newBreakerState()
  for (let i = 0; i < 3; i++) recordOutcome(state, policy, 'fail', false, 1_000_000)
  t.equal(recordOutcome(state, policy, 'fail', false, 1_011_000), false)
})

test('an open breaker has no room until half-open, then room for its probes per interval', async (t) => {
  const state = newBreakerState()
  const now = 2_000_000
  for (let i = 0; i < 4; i++) recordOutcome(state, policy, 'fail', false, now)
  t.same(breakerRoom(state, policy, now + 10), { room: 0, probe: false, nextAt: now + 1000 })
  t.same(breakerRoom(newBreakerState(), policy, now), { room: Number.POSITIVE_INFINITY, probe: false, nextAt: now }, 'closed: no bound')
  t.same(breakerRoom(state, policy, now + 1000), { room: 1, probe: true, nextAt: now + 2000 })
  takeProbes(state, 1)
  t.equal(breakerRoom(state, policy, now + 1500).room, 0, 'one probe per interval')
  t.equal(breakerRoom(state, policy, now + 2000).room, 1, 'the next interval')
})

test('a failed probe reopens the breaker and a successful one closes it with its counts afresh', async (t) => {
  const state = newBreakerState()
  const now = 3_000_000
  for (let i = 0; i < 4; i++) recordOutcome(state, policy, 'fail', false, now)
  t.equal(recordOutcome(state, policy, 'fail', true, now + 1100), true)
  t.equal(breakerRoom(state, policy, now + 1200).nextAt, now + 2100)
  t.equal(recordOutcome(state, policy, 'ok', true, now + 2300), false)
  t.equal(breakerRoom(state, policy, now + 2301).room, Number.POSITIVE_INFINITY)
  t.equal(recordOutcome(state, policy, 'fail', false, now + 2302), false, 'earlier failures were forgotten')
})
