import { test } from 'tap'
import { createMemoryTokenCache } from '../../../vendors/adapters/token-cache.js'

test('a cached token lives for its ttl', async (t) => {
  let now = 1000
  const cache = createMemoryTokenCache(() => now)
  await cache.set('k', { token: 'a', refreshAt: 5000 }, 100)
  t.same(await cache.get('k'), { token: 'a', refreshAt: 5000 })
  now = 1099
  t.ok(await cache.get('k'))
  now = 1100
  t.equal(await cache.get('k'), undefined)
})

test('a lock goes to one taker until it lapses, as SET NX PX does', async (t) => {
  let now = 0
  const cache = createMemoryTokenCache(() => now)
  t.equal(await cache.lock?.('l', 50), true)
  t.equal(await cache.lock?.('l', 50), false)
  t.equal(await cache.lock?.('other', 50), true, 'locks are per key')
  t.equal(await cache.get('l'), undefined, 'a lock is no token')
  now = 50
  t.equal(await cache.lock?.('l', 50), true)
})

test("a fetch's failure is noted for its ttl, apart from tokens and locks", async (t) => {
  let now = 0
  const cache = createMemoryTokenCache(() => now)
  t.equal(await cache.failure?.('l'), undefined)
  await cache.lock?.('l', 100)
  await cache.noteFailure?.('l', 'endpoint answered 503', 100)
  t.equal(await cache.failure?.('l'), 'endpoint answered 503')
  t.equal(await cache.get('l'), undefined, 'a failure is no token')
  t.equal(await cache.lock?.('l', 100), false, 'nor does it free the lock')
  now = 100
  t.equal(await cache.failure?.('l'), undefined)
})
