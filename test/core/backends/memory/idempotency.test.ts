import { test } from 'tap'
import { createMemoryIdempotencyKeys } from '../../../../core/backends/memory/idempotency.js'
import { idempotencyContract } from '../../idempotency-contract.js'

idempotencyContract('memory idempotency keys', false, async () => createMemoryIdempotencyKeys(1000))

test('memory idempotency keys: at most maxKeys are kept, the oldest going first, and an expired key is free again', async (t) => {
  let now = 1_000
  const keys = createMemoryIdempotencyKeys(2, () => now)
  await keys.reserve('a', '1', 100)
  await keys.reserve('b', '1', 100)
  await keys.swap('a', '1', '2', 100)
  await keys.reserve('c', '1', 100)
  t.equal(await keys.reserve('b', 'x', 100), null, 'b, the oldest put, went')
  t.equal(await keys.reserve('a', 'x', 100), null, 'then a, once c and b came')
  t.equal(await keys.reserve('a', 'y', 100), 'x', 'a is held')
  now += 100
  t.equal(await keys.reserve('a', 'y', 100), null, 'until it expires')
})
