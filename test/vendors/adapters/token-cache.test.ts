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
