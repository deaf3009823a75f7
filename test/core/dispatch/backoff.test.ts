import { test } from 'tap'
import { retryDelay } from '../../../core/dispatch/backoff.js'

const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 }

test('the ceiling doubles with each attempt and stops at the maximum', async (t) => {
  const top = () => 0.999999
  t.equal(retryDelay(1, policy, 0, top), 99)
  t.equal(retryDelay(2, policy, 0, top), 199)
  t.equal(retryDelay(3, policy, 0, top), 399)
  t.equal(retryDelay(10, policy, 0, top), 999)
})

test('the delay is a full jitter between zero and the ceiling', async (t) => {
  t.equal(retryDelay(3, policy, 0, () => 0), 0)
  t.equal(retryDelay(3, policy, 0, () => 0.5), 200)
})

test("a vendor's Retry-After is a floor for the delay", async (t) => {
  t.equal(retryDelay(1, policy, 2000, () => 0.5), 2000)
  t.equal(retryDelay(4, policy, 10, () => 0.5), 400)
})
