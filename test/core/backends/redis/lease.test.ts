import { setTimeout as sleep } from 'node:timers/promises'
import t, { test } from 'tap'
import { redisFor, skipWithoutRedis } from '../../../redis-server.js'
import { processBackend } from './process-backend.js'

const skip = skipWithoutRedis(t)

test('a lease is held by one process of the fleet until it expires, and each chore has its own', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const [a, b] = [await processBackend(t, url, prefix, 'a'), await processBackend(t, url, prefix, 'b')]
  t.equal(await a.lease('chore', 300), true)
  t.equal(await b.lease('chore', 300), false)
  t.equal(await a.lease('chore', 300), false, 'not even its holder takes it twice in one interval')
  t.equal(await b.lease('other', 300), true)
  await sleep(350)
  t.equal(await b.lease('chore', 300), true, 'free again once expired')
})
